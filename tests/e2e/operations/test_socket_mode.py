"""`panelbot run` over Socket Mode, end to end: the bot runs as a subprocess with
SLACK_APP_TOKEN, connects to the stand-in's Socket Mode side (tests/slack/socket_mode.py), and
people use it through envelopes on that connection, built as the HTTP tests build their
requests (tests/slack/socket_driver.py). On SQLite and PostgreSQL.

Slack's side also asks for a new connection, and connections break; the bot connects again,
says so in one line, and keeps answering. SIGTERM ends it with exit 0 and no traceback."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from tests.slack.socket_driver import SocketModeDriver
from tests.slack.socket_mode import SocketModeServer
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    ORG,
    PANEL,
    Harness,
    has_button,
    seed_workspace,
)
from tests.support.processes import Bot, bot_env, wait_until

SLACK_ACK_SECONDS = 3.0
# How long the bot may take to start and connect, or to connect again, on a busy machine.
CONNECT_STALL_SECONDS = 60.0
RUNNING = "running in Socket Mode: connected to Slack"


def announced_count(h: Harness, n: int) -> bool:
    """The announcement counts `n` of the panel's 3 submissions."""
    return f"{n} of 3 submitted" in str((h.announcement() or {}).get("blocks"))


@dataclass
class SocketBot:
    h: Harness
    bot: Bot
    socket: SocketModeServer

    def connections_opened(self) -> int:
        return sum(call.method == "apps.connections.open" for call in self.h.standin.calls)

    def wait_for_connection(self, number: int) -> None:
        """Until the bot's `number`-th connection is open and greeted, and every earlier
        one closed (on a refresh, the bot lets the old one go once the new one is up)."""

        def there() -> bool:
            links = self.socket.links
            return (
                len(links) >= number
                and links[number - 1].greeted
                and all(not link.is_open for link in links[: number - 1])
            )

        wait_until(self.bot, there, f"connection {number}", CONNECT_STALL_SECONDS)

    def said(self) -> list[str]:
        """What the Socket Mode link (and slack_sdk under it) has logged so far."""
        lines = self.bot.log_tail(100_000).splitlines()
        # "date time LEVEL logger message"
        return [line.split(" ", 4)[4] for line in lines if " panelbot.socket_mode" in line]

    def wait_until_said(self, count: int) -> list[str]:
        wait_until(self.bot, lambda: len(self.said()) >= count, f"{count} lines", 30)
        return self.said()

    def help_is_answered(self) -> None:
        reply = self.h.driver.command(ORG, "help")
        assert reply.json()["text"] == "Panelbot help", reply.body
        assert reply.elapsed < SLACK_ACK_SECONDS, f"acked after {reply.elapsed:.2f} s"

    def stops_cleanly(self) -> None:
        """SIGTERM, as docker stop or systemd sends it."""
        code = self.bot.stop()
        log = self.bot.log_tail(100_000)
        assert code == 0, log
        assert "Traceback" not in log and " ERROR " not in log, log
        assert self.h.standin.warnings == []
        assert self.socket.strays == [], "every ack names an envelope, once"


@pytest.fixture
def socket_bot(database_url: str, tmp_path: Path) -> Iterator[SocketBot]:
    with SlackStandIn() as standin:
        seed_workspace(standin)
        driver = SocketModeDriver(standin)
        bot = Bot(
            env=bot_env(
                standin, database_url, SLACK_APP_TOKEN="xapp-test", PORT="0", LOG_FORMAT="text"
            ),
            cwd=tmp_path,
        )
        bot.start()
        try:
            running = SocketBot(
                Harness(
                    standin,
                    driver,
                    db=None,  # type: ignore[arg-type]  # the bot's database is its own
                    url="",
                    services=None,  # type: ignore[arg-type]  # the bot's services live in its process
                    clock=Clock(),
                ),
                bot,
                driver.socket,
            )
            running.wait_for_connection(1)
            # Connected, and the bot knows it (a connection that broke before then would be a
            # try that failed, not a connection that dropped).
            wait_until(bot, lambda: RUNNING in bot.log_tail(), "the running line", 30)
            yield running
        finally:
            bot.stop()


def test_help_and_the_new_panel_modal(socket_bot: SocketBot) -> None:
    s = socket_bot
    s.help_is_answered()
    help_ack = s.socket.acks[-1]
    assert help_ack.link == 1
    # The text Bolt's ack(...) gives the command travels in the ack, as Slack shows it.
    assert "/panel new" in str(help_ack.payload)

    view = s.h.open_new_panel("new Ada")
    envelope = s.socket.envelopes[-1]
    assert envelope.type == "slash_commands" and envelope.accepts_response_payload
    # (The stand-in records a call once it has answered it, a moment after the modal shows.)
    opened = s.h.wait_for(
        lambda: [c for c in s.h.standin.calls if c.method == "views.open"], "views.open"
    )
    assert [c.args["trigger_id"] for c in opened] == [envelope.payload["trigger_id"]]
    assert opened[0].ok, opened[0].error
    assert "Ada" in str(view["blocks"])
    assert s.connections_opened() == 1

    # PORT=0: the probes are on the free port the log line names.
    log = s.bot.log_tail(100_000)
    port = re.search(rf"{RUNNING} \(GET /healthz, /readyz, /metrics on :(\d+)\)", log)
    assert port is not None and port.group(1) != "0", log
    with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}/healthz", timeout=5) as probe:
        assert probe.read() == b"ok"
    s.stops_cleanly()


def test_a_whole_round(socket_bot: SocketBot) -> None:
    s, h = socket_bot, socket_bot.h
    h.start_round()  # the form's submission is an interactive envelope; its ack updates it
    submitted = next(e for e in s.socket.envelopes if e.payload.get("type") == "view_submission")
    assert submitted.accepts_response_payload
    brief = h.dm(ANA)
    assert brief is not None and "Why did they leave Acme" in str(brief["blocks"])
    # An event: Ben opens Panelbot's Home tab and finds the round waiting for him.
    h.driver.event({"type": "app_home_opened", "user": BEN, "tab": "home"})
    opened = s.socket.envelopes[-1]
    assert opened.type == "events_api" and not opened.accepts_response_payload
    home = h.wait_for(lambda: h.standin.home_views.get(BEN), "Ben's Home tab", timeout=30)
    assert has_button(home, "give_feedback")

    for n, user in enumerate(PANEL, start=1):
        reply = h.give_feedback(user, ratings=(3, 3, 4 if user == CY else 3, 2, 3))
        assert reply.json()["response_action"] == "update", reply.body
        h.wait_for(partial(announced_count, h, n), f"{n} of 3 on the announcement", timeout=30)
    summary = h.wait_for(lambda: h.thread(), "the summary", timeout=60)[0]
    assert "Panel summary: Ada Lovelace" in str(summary["blocks"])
    clicks = [e for e in s.socket.envelopes if e.payload.get("type") == "block_actions"]
    assert len(clicks) == len(PANEL) and not any(e.accepts_response_payload for e in clicks)
    assert max(a.elapsed for a in s.socket.acks) < SLACK_ACK_SECONDS
    s.stops_cleanly()


def test_connects_again_when_slack_asks_and_when_the_connection_breaks(
    socket_bot: SocketBot,
) -> None:
    s = socket_bot
    s.help_is_answered()
    assert s.said() == []

    # Slack's refresh: a new connection (a new URL from apps.connections.open), then the old
    # one let go; nothing worth a log line. A request on the new connection is answered at
    # once, not after the old one is closed (slack_sdk alone takes its 3 s read timeout).
    s.socket.request_refresh()
    new = s.socket.wait_for_link(2)
    s.help_is_answered()
    assert s.socket.acks[-1].link == 2
    s.wait_for_connection(2)
    old = s.socket.links[0]
    assert old.closed_at is not None and new.greeted_at is not None
    assert old.closed_at >= new.greeted_at, "the old connection is let go once the new is up"
    assert s.connections_opened() == 2
    assert s.said() == []

    # The same when apps.connections.open fails once: a line for the failed try, and one
    # when connected after all.
    s.h.standin.fail_next("apps.connections.open", status=500)
    s.socket.request_refresh()
    s.wait_for_connection(3)
    s.help_is_answered()
    assert s.wait_until_said(2) == [
        "Socket Mode: cannot connect to Slack (Slack answered HTTP 500); trying again in 1 s",
        "Socket Mode: connected to Slack again",
    ]

    # A reset, and a connection that just ends: one line each, and at once connected again.
    for number, reason in ((4, "Connection reset by peer"), (5, "closed by the other end")):
        before = len(s.said())
        s.socket.drop(reset=number == 4)
        s.wait_for_connection(number)
        s.help_is_answered()
        assert s.socket.acks[-1].link == number
        assert s.said()[before:] == [
            f"Socket Mode: the connection to Slack dropped ({reason}); connecting again"
        ]
    assert s.connections_opened() == 6  # one try failed
    assert s.socket.refused == [], "every connection with a ticket of its own"
    assert len(s.said()) == 4
    assert RUNNING in s.bot.log_tail(100_000)
    s.stops_cleanly()


def test_slack_unavailable_is_waited_out(socket_bot: SocketBot) -> None:
    """A server error from apps.connections.open is Slack's trouble, not a refused token: the
    bot tries again rather than stopping."""
    s = socket_bot
    s.h.standin.fail_next("apps.connections.open", status=503, times=2)
    s.socket.drop()
    s.wait_for_connection(2)
    assert s.wait_until_said(4) == [
        "Socket Mode: the connection to Slack dropped (Connection reset by peer); connecting again",
        "Socket Mode: cannot connect to Slack (Slack answered HTTP 503); trying again in 1 s",
        "Socket Mode: cannot connect to Slack (Slack answered HTTP 503); trying again in 2 s",
        "Socket Mode: connected to Slack again",
    ]
    s.help_is_answered()
    s.stops_cleanly()
