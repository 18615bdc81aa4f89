"""Records: SQLAlchemy models, the engine (SQLite WAL or PostgreSQL), migrations and repositories."""

from lutea.store.db import make_engine, make_sessionmaker
from lutea.store.migrate import upgrade_to_head
from lutea.store.models import Base

__all__ = ["Base", "make_engine", "make_sessionmaker", "upgrade_to_head"]
