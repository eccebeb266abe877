"""The whole schema: imports every module that defines tables, so Alembic's autogenerate sees them all."""

from aicommons.storage.tables import Base  # noqa: F401
import aicommons.jobs.tables  # noqa: F401
import aicommons.evaluation.tables  # noqa: F401
import aicommons.index.tables  # noqa: F401
import aicommons.community.tables  # noqa: F401
import aicommons.xet.tables  # noqa: F401
import aicommons.licenses.tables  # noqa: F401
import aicommons.resources.tables  # noqa: F401
import aicommons.scans.tables  # noqa: F401
