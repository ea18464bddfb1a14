"""Socket Mode for `panelbot run` with SLACK_APP_TOKEN: Slack sends everything over a
WebSocket this process opens, so no public URL is needed.

slack_sdk's client would report "running" before any connection exists, and retry on its own
with several log lines a try. Here the connection is made and kept by `SocketModeLink`:
"running" is logged once it is up; a failed try is one log line, retried with backoff; a
dropped connection is one line and is made again at once; Slack asking for a new connection
(its "disconnect" message, every few hours) is answered the same way, quietly; and Slack
refusing the app-level token stops the program (Refusal, exit 2), since no retry can fix that.
"""

from __future__ import annotations

import errno
import logging
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.runtime.settings import Settings
from bot.runtime.startup import (
    APP_TOKEN,
    Refusal,
    network_reason,
    quiet_slack_client,
    slack_error,
    slack_problem,
    try_later,
)

log = logging.getLogger("panelbot.socket_mode")
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
# How often the connection is looked at when nothing wakes the link sooner; slack_sdk pings
# every 10 s and drops a connection that stops answering.
CHECK_SECONDS = 5.0
# How long slack_sdk's reader waits on a connection before it looks whether the connection
# is being replaced (see _LinkSocket).
READ_SLICE_SECONDS = 0.1
HANDSHAKE_STATUS = re.compile(r"unexpected response for handshake \(status: (\d+)")
# How slack_sdk logs an error on the connection (it then hands it to the on_error listeners)
# and a ping that could not be sent: the link reports these when the connection drops.
SDK_CONNECTION_TROUBLE = ("on_error invoked", "Failed to check the state of sock")
# Why a connection dropped when nobody said: slack_sdk gave up on pinging it.
WENT_SILENT = "no answer to pings"


class _SdkLog(logging.Filter):
    """slack_sdk logs each failed try in its own words, several lines, and each error on the
    connection; the link reports those itself, once. What slack_sdk said while the link
    tries is kept for that report."""

    def __init__(self) -> None:
        super().__init__()
        self.connecting = threading.Event()
        self.held: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        said = record.getMessage()
        if self.connecting.is_set():
            self.held.append(said)
            return False
        return not said.startswith(SDK_CONNECTION_TROUBLE)


class _LinkSocket:
    """A connection's socket as slack_sdk's reader uses it, but for two things.

    Its end raises. slack_sdk takes an ended stream for "nothing yet" and reads again at
    once: a connection closed without a WebSocket close (by Slack, a proxy, a load balancer
    going away) would keep a core busy and go unnoticed until failed pings drop it a minute
    later. Closing it wakes the link.

    A read gives up as soon as the connection is replaced. slack_sdk replaces one by opening
    the new connection, then closing the old, which waits for the read under way on it; that
    read waits for data up to slack_sdk's 3 s timeout, and the new connection's first
    requests wait unread as long: all the time Slack gives for an ack.
    """

    def __init__(
        self, sock: socket.socket, replaced: Callable[[], bool], closed: Callable[[], None]
    ) -> None:
        self._sock = sock
        self._replaced = replaced
        self._closed = closed

    def recv(self, size: int, flags: int = 0) -> bytes:
        timeout = self._sock.gettimeout()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._readable():
            if self._replaced() or (deadline is not None and time.monotonic() >= deadline):
                raise TimeoutError("timed out")  # slack_sdk's reader takes it for "nothing yet"
        data = self._sock.recv(size, flags)
        if not data and size:
            raise ConnectionAbortedError(errno.ECONNABORTED, "closed by the other end")
        return data

    def close(self) -> None:
        self._sock.close()
        self._closed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def _readable(self) -> bool:
        pending = getattr(self._sock, "pending", None)  # TLS: bytes already decrypted
        if pending is not None and pending():
            return True
        return bool(select.select([self._sock], [], [], READ_SLICE_SECONDS)[0])


class SocketModeLink:
    def __init__(self, app: App, settings: Settings) -> None:
        assert settings.slack_app_token
        self.settings = settings
        self.app_token = settings.slack_app_token
        sdk_log = logging.getLogger("panelbot.socket_mode.sdk")
        # Its INFO lines are per session ("Starting to receive messages…"): not for the log.
        sdk_log.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
        self._sdk_log = _SdkLog()
        sdk_log.addFilter(self._sdk_log)
        # auto_reconnect off: reconnecting is `stay_connected`'s, with backoff and one line.
        self.handler = SocketModeHandler(
            app, self.app_token, logger=sdk_log, auto_reconnect_enabled=False
        )
        self.client = self.handler.client
        # What went wrong on the connection or in a try, newest last.
        self._trouble: list[BaseException | str] = []
        self._wake = threading.Event()  # the connection closed, or Slack asked for a new one
        self._renew = threading.Event()  # Slack asked for a new one
        self.client.on_error_listeners.append(self._on_error)
        self.client.on_close_listeners.append(self._on_close)
        # Slack's "disconnect" message (refresh_requested every few hours, or a warning) makes
        # slack_sdk call this on the thread that reads every message, and connect anew there:
        # a failure would be a traceback in the log, a rate limit would hold up every message
        # meanwhile. The link does it instead, as it makes any connection.
        self.client.connect_to_new_endpoint = self._asked_to_renew  # type: ignore[method-assign]

    def connect(self) -> int:
        """Returns once connected, with how many tries failed; until then retries with
        backoff, one warning a try."""
        delay, failed = FIRST_RETRY_SECONDS, 0
        while (problem := self._try_once()) is not None:
            failed += 1
            log.warning(
                "Socket Mode: cannot connect to Slack (%s); trying again in %g s", problem, delay
            )
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)
        return failed

    def stay_connected(self) -> None:
        """Blocks until interrupted (KeyboardInterrupt; SIGTERM raises it too), connecting
        again whenever the connection drops or Slack asks for a new one."""
        while True:
            self._wake.wait(CHECK_SECONDS)
            self._wake.clear()
            if self._renew.is_set():
                self._renew.clear()
                log.debug("Socket Mode: Slack asked for a new connection")
            elif not self.client.is_connected():
                log.warning(
                    "Socket Mode: the connection to Slack dropped (%s); connecting again",
                    self._why(),
                )
            else:
                continue
            # The new connection first; slack_sdk then closes the old one, if still open.
            if self.connect():
                log.info("Socket Mode: connected to Slack again")

    def close(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]

    def _try_once(self) -> str | None:
        """One try: a WebSocket URL from apps.connections.open, then the connection. Why it
        failed, or None when connected. Refusal when Slack refuses the app-level token."""
        self._trouble.clear()
        try:
            with quiet_slack_client():
                answer = self.client.web_client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            code = slack_error(exc) or "?"
            if try_later(code):
                return f"Slack answered {code}"
            raise Refusal(slack_problem(exc, self.settings, APP_TOKEN)) from None
        except OSError as exc:
            return network_reason(exc, self.settings.slack_timeout_seconds)
        self._sdk_log.held.clear()
        self.client.wss_uri = answer["url"]
        with self._connecting():
            self.client.connect()
        session = self.client.current_session
        if self.client.is_connected() and session is not None and session.sock is not None:
            state = self.client.current_session_state  # marked terminated once replaced
            session.sock = _LinkSocket(  # type: ignore[assignment]
                session.sock, lambda: bool(state.terminated), self._wake.set
            )
            self._trouble.clear()
            return None
        if self._trouble:
            return self._why()
        for said in self._sdk_log.held:  # slack_sdk reports a refused handshake only in its log
            if status := HANDSHAKE_STATUS.search(said):
                return f"the WebSocket handshake was answered with HTTP {status.group(1)}"
        return "Slack did not accept the WebSocket connection"

    def _why(self) -> str:
        if not self._trouble:
            return WENT_SILENT
        last = self._trouble[-1]
        if isinstance(last, str):
            return last
        return network_reason(last, self.settings.slack_timeout_seconds)

    def _on_error(self, error: Exception) -> None:
        self._trouble.append(error)
        # A failed try is reported by the try, a dropped connection by `stay_connected`;
        # anything else would go unsaid.
        if not isinstance(error, OSError) and not self._sdk_log.connecting.is_set():
            log.warning("Socket Mode: slack_sdk reported %s: %s", type(error).__name__, error)

    def _on_close(self, code: int, reason: str | None) -> None:
        self._trouble.append(f"Slack closed it: {code} {reason or ''}".rstrip())

    def _asked_to_renew(self, force: bool = False) -> None:
        self._renew.set()
        self._wake.set()

    @contextmanager
    def _connecting(self) -> Iterator[None]:
        self._sdk_log.connecting.set()
        try:
            yield
        finally:
            self._sdk_log.connecting.clear()
