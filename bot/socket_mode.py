"""Socket Mode for `panelbot run` with SLACK_APP_TOKEN: Slack sends everything over a
WebSocket this process opens, so no public URL is needed.

slack_sdk's client would report "running" before any connection exists, and retry on its own
with several log lines a try. Here the connection is made and kept by `SocketModeLink`:
"running" is logged once it is up; a failed try is one log line, retried with backoff; and
Slack refusing the app-level token stops the program (Refusal, exit 2), since no retry can
fix that.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.startup import (
    APP_TOKEN,
    TRANSIENT_ERRORS,
    Refusal,
    network_reason,
    quiet_slack_client,
    slack_error,
    slack_problem,
)

log = logging.getLogger("panelbot.socket_mode")
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
# How often a live connection is looked at; slack_sdk pings every 10 s and drops a
# connection that stops answering.
CHECK_SECONDS = 5.0
HANDSHAKE_STATUS = re.compile(r"unexpected response for handshake \(status: (\d+)")


class _QuietWhileConnecting(logging.Filter):
    """slack_sdk logs each failed try in its own words, several lines; while this link tries,
    it reports the failure itself, once. What slack_sdk said is kept for that report."""

    def __init__(self) -> None:
        super().__init__()
        self.connecting = threading.Event()
        self.held: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.connecting.is_set():
            return True
        self.held.append(record.getMessage())
        return False


class SocketModeLink:
    def __init__(self, app: App, settings: Settings) -> None:
        assert settings.slack_app_token
        self.settings = settings
        self.app_token = settings.slack_app_token
        sdk_log = logging.getLogger("panelbot.socket_mode.sdk")
        # Its INFO lines are per session ("Starting to receive messages…"): not for the log.
        sdk_log.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
        self._quiet = _QuietWhileConnecting()
        sdk_log.addFilter(self._quiet)
        # auto_reconnect off: reconnecting is `stay_connected`'s, with backoff and one line.
        self.handler = SocketModeHandler(
            app, self.app_token, logger=sdk_log, auto_reconnect_enabled=False
        )
        self.client = self.handler.client
        self._errors: list[Exception] = []
        self.client.on_error_listeners.append(self._errors.append)

    def connect(self) -> None:
        """Returns once connected; until then retries with backoff, one warning a try."""
        delay = FIRST_RETRY_SECONDS
        while (problem := self._try_once()) is not None:
            log.warning(
                "Socket Mode: cannot connect to Slack (%s); trying again in %g s", problem, delay
            )
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    def stay_connected(self) -> None:
        """Blocks until interrupted (KeyboardInterrupt; SIGTERM raises it too), connecting
        again whenever the connection drops."""
        while True:
            time.sleep(CHECK_SECONDS)
            if not self.client.is_connected():
                log.warning("Socket Mode: the connection to Slack dropped; connecting again")
                self.connect()
                log.info("Socket Mode: connected to Slack again")

    def close(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]

    def _try_once(self) -> str | None:
        """One try: a WebSocket URL from apps.connections.open, then the connection. Why it
        failed, or None when connected. Refusal when Slack refuses the app-level token."""
        try:
            with quiet_slack_client():
                answer = self.client.web_client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            code = slack_error(exc)
            if code in TRANSIENT_ERRORS:
                return f"Slack answered {code}"
            raise Refusal(slack_problem(exc, self.settings, APP_TOKEN)) from None
        except OSError as exc:
            return network_reason(exc, self.settings.slack_timeout_seconds)
        self._errors.clear()
        self._quiet.held.clear()
        self.client.wss_uri = answer["url"]
        with self._connecting():
            self.client.connect()
        if self.client.is_connected():
            return None
        if self._errors:
            return network_reason(self._errors[-1], self.settings.slack_timeout_seconds)
        for said in self._quiet.held:  # slack_sdk reports a refused handshake only in its log
            if status := HANDSHAKE_STATUS.search(said):
                return f"the WebSocket handshake was answered with HTTP {status.group(1)}"
        return "Slack did not accept the WebSocket connection"

    @contextmanager
    def _connecting(self) -> Iterator[None]:
        self._quiet.connecting.set()
        try:
            yield
        finally:
            self._quiet.connecting.clear()
