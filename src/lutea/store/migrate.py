"""Alembic migrations, run from code: the API upgrades its database to head at start."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

SCRIPT_LOCATION = "lutea.store:alembic"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for a database URL, with the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("lutea.store") / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    """Create or upgrade the schema of the database at `url` to the newest migration."""
    command.upgrade(alembic_config(url), "head")
