"""Path parameters shared by routers."""

from typing import Annotated

from fastapi import Path

# a database row id: bounded so an absurd number is a 422, not an overflow inside the database driver
RowId = Annotated[int, Path(ge=0, le=2**63 - 1)]
