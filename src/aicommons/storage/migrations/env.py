"""Alembic environment: migrations run on the engine the hub hands over (never a URL from an ini file)."""

from alembic import context

from aicommons.storage.schema import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
