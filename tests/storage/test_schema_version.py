"""The schema check without alembic (storage/schema_version.py): it names alembic's head,
says a current database is current and anything else is not, and a worker's readiness
check on a current database does not load alembic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage import schema_version
from storage.db import Database
from storage.migrate import alembic_config, head_revision, readiness_problem, schema_problem
from tests.support.paths import ROOT


def test_the_head_read_from_the_files_is_alembics(database: Database) -> None:
    assert schema_version.head() is not None
    assert schema_version.head() == head_revision(database.engine)


def test_a_current_database_is_current_and_an_older_one_is_not(database: Database) -> None:
    engine = database.engine
    assert schema_version.is_current(engine)
    assert readiness_problem(engine) is None
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        assert not schema_version.is_current(engine)
        problem = schema_problem(engine)
        assert problem is not None and "run `panelbot db upgrade` first" in problem
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        assert not schema_version.is_current(engine)
        assert schema_problem(engine) == (
            "the database has no Panelbot tables yet: run `panelbot db upgrade` first."
        )
    finally:
        # The PostgreSQL database is the test session's, shared by the tests that follow.
        command.stamp(alembic_config(engine), "head", purge=True)
    assert schema_version.is_current(engine)


def test_readiness_on_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'panelbot.db'}"
    migrated = "from storage.db import make_engine; from storage.migrate import upgrade; "
    migrated += f"upgrade(make_engine({url!r}))"
    subprocess.run([sys.executable, "-c", migrated], cwd=ROOT, check=True)
    # A fresh interpreter: nothing of storage.migrate or alembic is loaded before the check.
    probe = textwrap.dedent(
        f"""
        import sys
        from storage.db import make_engine
        import storage.migrate as migrate
        import bot.runtime.serve, bot.runtime.app  # what a worker has loaded

        engine = make_engine({url!r})
        assert migrate.readiness_problem(engine) is None
        assert migrate.database_problem(engine) is None
        loaded = sorted(m for m in sys.modules if m == "alembic" or m.startswith("alembic."))
        print(",".join(loaded))
        """
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "", f"alembic loaded: {found.stdout.strip()}"
