"""Whether a database's schema is the one this code expects, answered without alembic.

Every `serve` worker and `run` answers /readyz with this check, and the start-up check
runs in gunicorn's master before the fork. Importing alembic for it cost each worker about
9 MB of resident memory (docs/performance.md); alembic is needed only when the schema is
not current (to say which way it is off) and where migrations run (storage/migrate.py).

The head is read from the migration files' own `revision` and `down_revision` lines: the
one revision no other names as its parent (tests/storage/test_schema_version.py checks it is
alembic's head)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).parent / "migrations" / "versions"
REVISION = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
DOWN_REVISION = re.compile(r"^down_revision(?::[^=]*)?=(.*)$", re.MULTILINE)
QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@functools.cache
def head() -> str | None:
    """The newest revision; None if the files do not name exactly one."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = REVISION.search(source), DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(QUOTED.findall(down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    """True when the database is at the head revision. False also when it cannot tell (no
    version table yet, the database unreachable): the caller then asks alembic why."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    expected = head()
    return expected is not None and [row[0] for row in found] == [expected]
