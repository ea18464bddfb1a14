"""Alembic, driven from code: `panelbot db upgrade` and the check at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py uses this engine rather than building its own from a URL.
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def readiness_problem(engine: Engine) -> str | None:
    """Why this instance should not get traffic (the database is unreachable, or its schema
    is not the one this code expects), or None when it is ready."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"
    head = head_revision(engine)
    if current != head:
        return (
            f"database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `panelbot db upgrade`"
        )
    return None
