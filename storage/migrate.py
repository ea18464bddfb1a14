"""Alembic, driven from code: `panelbot db upgrade` and the check at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage import schema_version

if TYPE_CHECKING:
    from alembic.config import Config

# alembic is imported where it is used, not here: a worker checking readiness on a current
# schema never needs it (storage/schema_version.py).

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py uses this engine rather than building its own from a URL.
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def database_problem(engine: Engine, *, upgrading: bool = False) -> str | None:
    """Why this version cannot work on the engine's database (one line saying what to do), or
    None. `upgrading`: about to migrate it (`db upgrade`, `run`), so a new SQLite file will be
    created and an older schema will be upgraded. Never creates anything itself: connecting to
    a missing SQLite file would."""
    where = engine.url.render_as_string(hide_password=True)
    file = _sqlite_file(engine)
    if file is not None:
        if not file.parent.is_dir():
            return (
                f"cannot reach the database at {where} (no directory {file.parent}); "
                "check DATABASE_URL."
            )
        if not file.exists() and not upgrading:
            return (
                f"there is no database at {file} yet: run `panelbot db upgrade` to create it, "
                "or check DATABASE_URL."
            )
    try:
        with engine.connect():
            pass
        return schema_problem(engine, upgrading=upgrading)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        name = engine.url.database
        if (
            engine.url.get_backend_name() == "postgresql"
            and f'database "{name}" does not exist' in reason
        ):
            return (
                f"the database {name} does not exist at {where}: create it (createdb {name}), "
                "then run `panelbot db upgrade`; or check DATABASE_URL."
            )
        return f"cannot reach the database at {where} ({reason}); check DATABASE_URL."


def schema_problem(engine: Engine, *, upgrading: bool = False) -> str | None:
    """Which way the database's schema is off from the one this code expects, and what to do
    about it; None when it is right (or, `upgrading`, when an upgrade will make it right)."""
    if schema_version.is_current(engine):
        return None  # the common case, answered without alembic
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return None
    if current is not None and not _known(engine, current):
        return (
            f"database schema is at {current}, which is newer than this version "
            f"(it needs {head}); run the Panelbot version that upgraded it."
        )
    if upgrading:
        return None
    if current is None:
        return "the database has no Panelbot tables yet: run `panelbot db upgrade` first."
    return (
        f"database schema is at {current}, this version needs {head}: "
        "run `panelbot db upgrade` first."
    )


def readiness_problem(engine: Engine) -> str | None:
    """Why this instance should not get traffic (the database is unreachable, or its schema
    is not the one this code expects), or None when it is ready."""
    try:
        return schema_problem(engine)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"


def _known(engine: Engine, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision)
    except CommandError:
        return False
    return True


def _sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (None: another database, or in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") == "true" or url.database.startswith("file:"):
        return None  # a URI filename, with its own options (mode=ro, …): SQLite's to judge
    return Path(url.database)
