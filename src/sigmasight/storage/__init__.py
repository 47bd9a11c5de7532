"""Persistence: SQLAlchemy 2.0 models, Alembic migrations, repositories and the unit of work."""

# Importing the history models registers their tables on the shared metadata, so
# migrations and the drift check always see every table.
from sigmasight.storage import history as history
from sigmasight.storage import history_assets as history_assets
