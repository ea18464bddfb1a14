"""The program as an admin runs it: settings errors, migrations, and `panelbot run` serving."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import is_current
from tests.slack.driver import SlackDriver
from tests.slack.standin import SlackStandIn
from tests.support.harness import ORG, SIGNING_SECRET
from tests.support.paths import ROOT
from tests.support.processes import bot_env, free_port, panelbot


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_setting_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = panelbot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "README" in lines[0]
    assert "Traceback" not in result.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\n")
    result = panelbot(
        "db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr


def test_db_upgrade_builds_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/panelbot.db"
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": url}
    assert panelbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    engine = make_engine(url)
    assert is_current(engine)
    assert {"rounds", "feedback", "panelists"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def run_env(standin: SlackStandIn, tmp_path: Path, port: int) -> dict[str, str]:
    return bot_env(standin, f"sqlite:///{tmp_path}/panelbot.db", PORT=str(port))


@pytest.fixture
def running_bot(tmp_path: Path) -> Iterator[tuple[str, SlackStandIn]]:
    with SlackStandIn() as standin:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=run_env(standin, tmp_path, port),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert process.stderr is not None  # a pipe, read if it fails to start
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(process.stderr.read().decode()) from None
                    time.sleep(0.1)
            yield url, standin
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_run_serves_slack_and_health(running_bot: tuple[str, SlackStandIn]) -> None:
    url, standin = running_bot
    assert standin.calls_to("auth.test"), "the token is checked at start"
    driver = SlackDriver(url, SIGNING_SECRET, standin)
    reply = driver.command(ORG, "help")
    assert reply.status == 200 and "/panel status" in reply.body
    assert driver.command(ORG, "help", **{}).status == 200
    assert (
        driver.post("command=/panel", "application/x-www-form-urlencoded", secret="x").status == 401
    )


def test_sigterm_stops_the_server_cleanly(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=run_env(standin, tmp_path, free_port()),
            cwd=tmp_path,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while not standin.calls_to("auth.test") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        process.terminate()
        _, stderr = process.communicate(timeout=15)
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr


# Imported only by the commands that use them: `panelbot --help` must answer at once.
HEAVY = ("matplotlib", "numpy", "krippendorff", "gunicorn", "prometheus_client", "sqlalchemy")


def test_help_and_version_import_nothing_heavy(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "import bot.runtime.cli\n"
        "try:\n"
        "    bot.runtime.cli.main([sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    for flag in ("--help", "--version"):
        result = subprocess.run(
            [sys.executable, "-c", probe, flag],
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "[]", result.stdout
    assert result.stdout.startswith("panelbot 0.")


def test_logs_are_text_on_a_terminal_and_json_elsewhere() -> None:
    from bot.runtime.logs import log_format
    from bot.runtime.settings import Settings

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    unset = Settings(log_format=None)
    assert log_format(unset, Terminal()) == "text"
    assert log_format(unset, io.StringIO()) == "json"
    assert log_format(Settings(log_format="json"), Terminal()) == "json"
    assert log_format(Settings(log_format="text"), io.StringIO()) == "text"
