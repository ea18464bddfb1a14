"""Engine, sessions and units of work. Services own the transaction; handlers never do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A PostgreSQL host that does not answer (a firewall dropping packets) fails after this long
# instead of the operating system's minutes.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every connection; we issue BEGIN ourselves.

    pysqlite's own transaction handling defers BEGIN and never takes the write lock up front.
    Two writers that both read first then deadlock on the upgrade and SQLite answers
    "database is locked" at once, without waiting. So write transactions start with
    BEGIN IMMEDIATE (take the write lock first, queue behind busy_timeout); read-only ones
    with a plain BEGIN, which WAL lets run beside a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get("panelbot_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    # hide_parameters: a failed statement's error names its SQL, not its values, which are
    # candidates' names and panelists' feedback; errors are logged, and logs are read by
    # people who must not read feedback.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            hide_parameters=kwargs["hide_parameters"],
        )
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        given = kwargs.get("connect_args", {})
        kwargs["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS, **given}
    # pre_ping: a restarted PostgreSQL leaves dead connections in the pool. 18 kept, 2 more
    # at a peak (20 at most, as before): a worker's 16 listener threads, its request threads
    # and its tick all use the database under load, and an overflow connection is closed as
    # soon as it is returned, so with only 10 kept a busy worker opened a new connection
    # for most transactions (bench/load.py, docs/performance.md).
    return create_engine(parsed, pool_pre_ping=True, pool_size=18, max_overflow=2, **kwargs)


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readonly = sessionmaker(
            engine.execution_options(panelbot_readonly=True), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str | URL) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._readonly.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
