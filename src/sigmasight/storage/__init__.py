"""Persistence: SQLAlchemy 2.0 models, Alembic migrations, repositories and the unit of work."""
