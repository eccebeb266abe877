"""Alembic environment: migrations run on the engine the hub hands over (never a URL from an ini file)."""

from alembic import context

from aicommons.storage.schema import Base

engine = context.config.attributes["engine"]


def include_name(name, type_, _parent_names) -> bool:
    """Leave alone tables that a migration creates by hand without a model (e.g. SQLite FTS5 virtual tables
    and their shadow tables): modules register their name prefixes in Base.metadata.info."""
    if type_ == "table" and name:
        return not any(name.startswith(prefix) for prefix in Base.metadata.info.get("unmanaged_table_prefixes", ()))
    return True


with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
