"""Every way a command can fail to start, as an admin meets it: one line on stderr saying what
to do, exit 2, never a traceback. Each case runs `panelbot …` as a subprocess: Slack is the
stand-in (SLACK_API_URL) or nothing at all (a closed port, a host that does not resolve, a
port that never answers); databases are missing, unreachable, empty, older or newer."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from tests.slack.standin import SlackStandIn
from tests.support.processes import bot_env, free_port, panelbot

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
DATA_COMMANDS = [
    ("export", "--role", "Engineer", "--team", "T1"),
    ("rubric", "export", "--team", "T1"),
    ("forget", "--candidate", "Ada", "--team", "T1", "--yes"),
]


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a command that refused to go on (exit 2)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("panelbot: ")
    return lines[0]


@pytest.fixture
def migrated(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "panelbot.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


# -- the database --------------------------------------------------------------------------


def test_an_older_or_newer_schema(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    head = head_revision(engine)
    env = {**SLACK, "DATABASE_URL": database_url}
    try:
        downgrade(engine, "0003")
        older = f"panelbot: database schema is at 0003, this version needs {head}: "
        for command in [*DATA_COMMANDS, ("serve", "--workers=1")]:
            line = one_line_failure(panelbot(*command, env=env, cwd=tmp_path))
            assert line == older + "run `panelbot db upgrade` first.", command
        assert current_revision(engine) == "0003", "nothing migrates but `db upgrade` and `run`"

        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        newer = (
            f"panelbot: database schema is at 9999, which is newer than this version "
            f"(it needs {head}); run the Panelbot version that upgraded it."
        )
        for command in [("db", "upgrade"), ("run",), DATA_COMMANDS[0]]:
            assert one_line_failure(panelbot(*command, env=env, cwd=tmp_path)) == newer, command
    finally:
        with engine.begin() as connection:  # PostgreSQL's test database is shared
            connection.execute(text(f"UPDATE alembic_version SET version_num = '{head}'"))
        upgrade(engine)
        engine.dispose()


def test_no_sqlite_file_no_schema_no_directory(tmp_path: Path) -> None:
    missing = tmp_path / "panelbot.db"
    env = {"DATABASE_URL": f"sqlite:///{missing}"}  # and no Slack settings: none are needed
    for command in DATA_COMMANDS:
        line = one_line_failure(panelbot(*command, env=env, cwd=tmp_path))
        assert line == (
            f"panelbot: there is no database at {missing} yet: run `panelbot db upgrade` "
            "to create it, or check DATABASE_URL."
        )
        assert not missing.exists(), "a data command creates no empty database"

    missing.touch()  # a file, but not Panelbot's
    line = one_line_failure(panelbot(*DATA_COMMANDS[1], env=env, cwd=tmp_path))
    assert (
        line
        == "panelbot: the database has no Panelbot tables yet: run `panelbot db upgrade` first."
    )

    nowhere = f"sqlite:///{tmp_path}/no/such/dir/panelbot.db"
    for command in [("db", "upgrade"), ("run",)]:
        result = panelbot(*command, env={**SLACK, "DATABASE_URL": nowhere}, cwd=tmp_path)
        assert one_line_failure(result) == (
            f"panelbot: cannot reach the database at {nowhere} "
            f"(no directory {tmp_path}/no/such/dir); check DATABASE_URL."
        )

    result = panelbot("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Context impl" not in result.stderr and "setup plugin" not in result.stderr
    assert "Running upgrade" in result.stderr
    assert panelbot(*DATA_COMMANDS[1], env=env, cwd=tmp_path).returncode == 0


def test_postgresql_unreachable_missing_and_postgres_urls(
    postgres_url: str, tmp_path: Path
) -> None:
    url = make_url(postgres_url)
    closed = url.set(port=free_port(), password="secret").render_as_string(hide_password=False)
    for command in [("db", "upgrade"), ("run",), DATA_COMMANDS[0]]:
        line = one_line_failure(
            panelbot(*command, env={**SLACK, "DATABASE_URL": closed}, cwd=tmp_path)
        )
        assert line.startswith("panelbot: cannot reach the database at postgresql+psycopg://")
        assert line.endswith("Connection refused); check DATABASE_URL."), line
        assert "secret" not in line and "***" in line

    absent = url.set(database="panelbot_no_such_db").render_as_string(hide_password=False)
    for command in [("db", "upgrade"), DATA_COMMANDS[0]]:
        line = one_line_failure(panelbot(*command, env={"DATABASE_URL": absent}, cwd=tmp_path))
        assert line.startswith("panelbot: the database panelbot_no_such_db does not exist at ")
        assert "createdb panelbot_no_such_db" in line

    # As hosts hand them out: postgres://, and postgresql:// without a driver.
    for scheme in ("postgres", "postgresql"):
        given = url.set(drivername=scheme).render_as_string(hide_password=False)
        assert given.startswith(f"{scheme}://")
        result = panelbot("db", "upgrade", env={"DATABASE_URL": given}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr


# -- Slack -------------------------------------------------------------------------------


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def slack_env(api_url: str, db_url: str, **more: str) -> dict[str, str]:
    return {
        **SLACK,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": db_url,
        "PORT": str(free_port()),
        **more,
    }


def test_slack_unreachable_or_refusing(migrated: str, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    for command in [("run",), ("serve", "--workers=1")]:
        line = one_line_failure(panelbot(*command, env=slack_env(closed, migrated), cwd=tmp_path))
        assert line == (
            f"panelbot: cannot reach Slack at {closed} (connection refused); "
            "check the network and SLACK_API_URL."
        )
    nowhere = "https://nowhere.invalid/api/"
    line = one_line_failure(panelbot("run", env=slack_env(nowhere, migrated), cwd=tmp_path))
    assert line.startswith(f"panelbot: cannot reach Slack at {nowhere} (host not found: ")
    with silent_port() as port:
        slow = slack_env(f"http://127.0.0.1:{port}/api/", migrated, SLACK_TIMEOUT_SECONDS="1")
        line = one_line_failure(panelbot("run", env=slow, cwd=tmp_path))
    assert "(no answer within 1 s); check the network and SLACK_API_URL." in line

    with SlackStandIn() as standin:
        standin.revoke_tokens(standin.team_id)
        revoked = slack_env(standin.api_url, migrated, SLACK_BOT_TOKEN=standin.token or "")
        line = one_line_failure(panelbot("run", env=revoked, cwd=tmp_path))
        refused = one_line_failure(
            panelbot("run", env=slack_env(standin.api_url, migrated), cwd=tmp_path)
        )
    assert line == (
        "panelbot: Slack refused the bot token (token_revoked: the app was uninstalled or its "
        "token revoked; reinstall it); check SLACK_BOT_TOKEN."
    )
    assert refused == "panelbot: Slack refused the bot token (invalid_auth); check SLACK_BOT_TOKEN."


def test_port_already_in_use(migrated: str, tmp_path: Path) -> None:
    with SlackStandIn() as standin, socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**slack_env(standin.api_url, migrated), "SLACK_BOT_TOKEN": standin.token or ""}
        run = one_line_failure(panelbot("run", env={**env, "PORT": str(port)}, cwd=tmp_path))
        serve = one_line_failure(panelbot("serve", f"--bind=0.0.0.0:{port}", env=env, cwd=tmp_path))
    assert run == (
        f"panelbot: port {port} is already in use (another Panelbot, or another server); "
        "stop it, or choose another port with PORT."
    )
    assert serve.endswith("choose another port with --bind (or PORT).")


# -- Socket Mode ------------------------------------------------------------------------------


def socket_mode_bot(standin: SlackStandIn, db_url: str, app_token: str) -> subprocess.Popen[str]:
    env = bot_env(
        standin, db_url, PORT=str(free_port()), SLACK_APP_TOKEN=app_token, LOG_FORMAT="text"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, stderr=subprocess.PIPE, text=True
    )


def lines_until(process: subprocess.Popen[str], pattern: str, count: int) -> list[str]:
    """stderr lines until `count` of them contain `pattern` (or the process ends)."""
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while sum(pattern in line for line in seen) < count and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
    return seen


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.terminate()
    _, rest = process.communicate(timeout=20)
    return process.returncode, rest


def test_socket_mode_refused_app_token(migrated: str, tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        process = socket_mode_bot(standin, migrated, "xapp-not-ours")
        _, stderr = process.communicate(timeout=30)
    result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    assert one_line_failure(result) == (
        "panelbot: Slack refused the app-level token (invalid_auth); check SLACK_APP_TOKEN: "
        "an xapp-… token with the connections:write scope (Basic Information → App-Level Tokens)."
    )


def test_socket_mode_retries_until_connected_and_only_then_runs(
    migrated: str, tmp_path: Path
) -> None:
    with SlackStandIn() as standin:
        # The stand-in answers its own WebSocket URL with 404: no connection, ever.
        process = socket_mode_bot(standin, migrated, "xapp-test")
        seen = lines_until(process, "cannot connect to Slack", 2)
        code, rest = stop(process)
    failures = [line for line in seen if "cannot connect to Slack" in line]
    assert len(failures) == 2, seen
    assert (
        "(the WebSocket handshake was answered with HTTP 404); trying again in 1 s" in failures[0]
    )
    assert "trying again in 2 s" in failures[1], "backoff"
    assert not any("running" in line for line in [*seen, *rest.splitlines()])
    assert len(seen) == 2, "one line a failure"
    assert code == 0 and "Traceback" not in rest, rest

    with SlackStandIn() as standin:
        slack_side = standin.start_socket_mode()
        process = socket_mode_bot(standin, migrated, "xapp-test")
        seen = lines_until(process, "running in Socket Mode", 1)
        assert [link.is_open for link in slack_side.links] == [True]
        # The container's HEALTHCHECK and a supervisor's probes are answered on PORT.
        port = re.search(r"on :(\d+)\)", seen[-1])
        assert port is not None, seen
        for probe, answer in (("healthz", b"ok"), ("readyz", b"ready")):
            url = f"http://127.0.0.1:{port.group(1)}/{probe}"
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.read() == answer
        code, rest = stop(process)
    assert any("running in Socket Mode: connected to Slack" in line for line in seen), seen
    assert not any("cannot connect" in line for line in seen)
    assert code == 0 and "Traceback" not in rest, rest
