"""The program run as an admin runs it, in a subprocess: `panelbot <command>` to its end, or
`panelbot run|serve` kept running (killed, restarted, stopped) while a test waits on it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.slack.standin import SlackStandIn
from tests.support.harness import SIGNING_SECRET
from tests.support.paths import ROOT


def panelbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def bot_env(
    standin: SlackStandIn, database_url: str, secret: str = SIGNING_SECRET, **settings: str
) -> dict[str, str]:
    """The environment of a `panelbot` subprocess against the Slack stand-in and this
    database (its settings, no more: nothing leaks in from the test's own environment)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": standin.token or "",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        **settings,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    """`panelbot run` as a subprocess, started again after each kill."""

    env: dict[str, str]
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)
    command: tuple[str, ...] = ("run",)  # tests/e2e/operations/test_serve.py starts `serve …`

    def start(self) -> None:
        self.starts += 1
        log = self.cwd / f"bot-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", *self.command],
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as docker stop or systemd would; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited ({self.process.returncode}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text_lines = []
        for log in self.logs:
            text_lines += [f"--- {log.name}", *log.read_text(errors="replace").splitlines()]
        return "\n".join(text_lines[-lines:])


def wait_until(
    bot: Bot,
    done: Callable[[], bool],
    what: str,
    stall: float,
    progress: Callable[[], object] | None = None,
) -> float:
    """Poll until `done`; returns the seconds it took.

    It fails only when nothing moved for `stall` seconds: each change in `progress` (a measure
    of work done, such as posts delivered) starts the budget again, so a slower or busier
    machine takes longer but never fails a run that is still advancing. Without `progress`,
    `stall` is the whole budget."""
    began = last_move = time.monotonic()
    seen = progress() if progress else None
    while not done():
        bot.check_alive()
        now = time.monotonic()
        if progress is not None and (current := progress()) != seen:
            seen, last_move = current, now
        if now - last_move > stall:
            raise AssertionError(
                f"timed out waiting for {what}: nothing moved for {stall:.0f} s\n{bot.log_tail()}"
            )
        time.sleep(0.02)
    return time.monotonic() - began
