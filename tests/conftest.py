"""Fixtures: both databases, the Slack stand-in, and the real app served over HTTP.

Every storage and end-to-end test runs on SQLite and on PostgreSQL. PostgreSQL is found at
PANELBOT_TEST_POSTGRES_URL (default: the local server, database `test`). When it is
unreachable, its tests are skipped on a developer's machine but FAIL in CI
(PANELBOT_REQUIRE_POSTGRES=1, set by .ci/run).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from bot.runtime.app import build_app, build_services
from bot.runtime.http_server import make_http_server
from bot.runtime.settings import Settings
from storage.db import Database, make_engine
from storage.migrate import readiness_problem, upgrade
from storage.models import Base
from tests.slack.driver import SlackDriver
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.harness import SIGNING_SECRET, TEAM_B, Harness, seed_team, seed_workspace
from tests.support.listeners import ListenerExecutor
from tests.support.oauth_harness import CLIENT_ID, CLIENT_SECRET

POSTGRES_URL = os.environ.get(
    "PANELBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("PANELBOT_REQUIRE_POSTGRES") == "1"
DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own for this test session, so parallel runs never collide."""
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is unreachable at {POSTGRES_URL}: {exc.orig}"
        if REQUIRE_POSTGRES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"panelbot_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit returns before its WAL reaches the disk (~1 ms instead of ~5 ms here, and
        # the tests commit thousands of times). What is committed is visible at once all the
        # same; only a crash of the server itself could lose the last moment's commits, and
        # no test crashes it (`make reliability` restarts it cleanly, which flushes first).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# After a DELETE of every table, the sequences behind their ids start again, as TRUNCATE's
# RESTART IDENTITY would (every sequence in the session's own database is one of those).
RESTART_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
    " FROM pg_sequences WHERE last_value IS NOT NULL"
)


def empty_postgres(engine: Engine) -> None:
    """Every table empty and every id back at 1, as `TRUNCATE … RESTART IDENTITY CASCADE`
    leaves them, in ~15 ms instead of TRUNCATE's ~300 ms (it makes new files for each
    table): children are deleted before their parents, then the sequences restart."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(RESTART_SEQUENCES)


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    upgrade(engine)  # the real migrations build the schema
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "panelbot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "panelbot.db"
        shutil.copy(template, path)
        db = Database.from_url(f"sqlite:///{path}")
    else:
        empty_postgres(request.getfixturevalue("postgres_engine"))
        db = Database.from_url(request.getfixturevalue("postgres_url"))
    yield db
    db.dispose()


@pytest.fixture
def harness(database: Database) -> Iterator[Harness]:
    """The real Bolt app on a loopback HTTP server, its Web API calls served by the stand-in."""
    with SlackStandIn() as standin:
        seed_workspace(standin)
        settings = Settings(
            slack_bot_token=standin.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.api_url,
            database_url="unused: the fixture hands over the database",
        )
        with serve_app(settings, database, standin) as running:
            yield running


@pytest.fixture
def oauth_harness(database: Database) -> Iterator[Harness]:
    """The real app in OAuth mode: workspaces A (acme, T0001) and B (beta, T0002) exist in
    the stand-in but none is installed yet (tests/support/oauth_harness.py `install` does that,
    through /slack/install). Token rotation is on, with Slack's 12-hour tokens."""
    with SlackStandIn(token=None) as standin:
        seed_workspace(standin)
        seed_team(standin, TEAM_B)
        standin.configure_oauth(CLIENT_ID, CLIENT_SECRET, token_rotation=True)
        settings = Settings(
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.api_url,
            database_url="unused: the fixture hands over the database",
        )
        with serve_app(settings, database, standin) as running:
            assert standin.oauth is not None
            standin.oauth.redirect_url = f"{running.url}/slack/oauth_redirect"
            yield running


@contextmanager
def serve_app(settings: Settings, database: Database, standin: SlackStandIn) -> Iterator[Harness]:
    # Our own executor, so teardown (and a test, through the harness) can wait for work
    # still running after an ack.
    executor = ListenerExecutor(max_workers=10)
    clock = Clock()
    services = build_services(settings, database, now=clock)
    app = build_app(settings, services, listener_executor=executor)
    server = make_http_server(
        app,
        "127.0.0.1",
        0,
        readiness=lambda: readiness_problem(database.engine),
        db=database,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Harness(
            standin,
            SlackDriver(url, SIGNING_SECRET, standin),
            database,
            url,
            services=services,
            clock=clock,
            executor=executor,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        executor.shutdown(wait=True)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database the test and the bot subprocess share."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "panelbot.db")
        return f"sqlite:///{tmp_path / 'panelbot.db'}"
    empty_postgres(request.getfixturevalue("postgres_engine"))
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def cli(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    """The environment `panelbot` reads, pointing at the test's database."""
    url = database.engine.url
    rendered = (
        str(url)
        if url.get_backend_name() == "sqlite"
        else url.render_as_string(hide_password=False)
    )
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-secret")
    monkeypatch.setenv("DATABASE_URL", rendered)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return database
