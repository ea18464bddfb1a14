"""Slack's Socket Mode side, for tests: a WebSocket server on 127.0.0.1.

Slack's part of the conversation, as its documentation and slack_sdk's client describe it:
`apps.connections.open` hands out a URL with a fresh ticket (`issue_url`); on connecting, the
app gets `hello`; requests come as envelopes
`{"envelope_id", "type", "payload", "accepts_response_payload", "retry_attempt",
"retry_reason"}` with `type` one of `slash_commands`, `interactive`, `events_api`; the app
acks each with `{"envelope_id", "payload"?}`, the payload being what an HTTP answer's body
would have been. Slack asks the app to reconnect with a `disconnect` message
(`refresh_requested`, or `warning` shortly before), and connections can also just drop.

Everything is recorded: the connections (`links`), the envelopes sent, the acks with when they
came, and any message from the app that acks nothing Slack sent (`strays`).
"""

from __future__ import annotations

import json
import secrets
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

Json = dict[str, Any]
T = TypeVar("T")
ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})
# Interactions whose ack can carry an answer (errors, an updated view, options); the others'
# acks are only receipts.
ANSWERED_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
ACK_TIMEOUT_SECONDS = 10.0  # far above Slack's 3 s: a test waiting on an ack fails on none
CONNECT_TIMEOUT_SECONDS = 30.0


@dataclass
class Link:
    """One WebSocket connection the app made."""

    number: int  # 1 for the first connection, 2 for the next, ...
    ticket: str
    opened_at: float  # time.monotonic()
    greeted_at: float | None = None  # hello sent: envelopes may follow
    closed_at: float | None = None
    connection: ServerConnection | None = field(default=None, repr=False)

    @property
    def greeted(self) -> bool:
        return self.greeted_at is not None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Envelope:
    envelope_id: str
    type: str
    payload: Json
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str
    link: int  # the connection it went out on
    sent_at: float

    def message(self) -> Json:
        return {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
        }


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: Json | None
    link: int  # the connection it came back on
    at: float
    elapsed: float  # seconds since the envelope was sent


def accepts_response_payload(kind: str, payload: Json) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ANSWERED_INTERACTIONS


class SocketModeServer:
    """Slack's end of Socket Mode. Records are guarded by one lock; waits wake on changes."""

    def __init__(self, app_id: str = "A0001") -> None:
        self.app_id = app_id
        self.links: list[Link] = []
        self.envelopes: list[Envelope] = []
        self.acks: list[Ack] = []
        self.strays: list[Json | str] = []
        self.refused: list[str] = []  # paths of connections refused at the handshake
        self._tickets: set[str] = set()  # issued and not used yet
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        self._server = serve(
            self._converse, "127.0.0.1", 0, process_request=self._admit, close_timeout=1
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()  # closes the open connections too
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Where connections go; a URL that gets in also names a ticket (`issue_url`)."""
        if self._server is None:
            raise RuntimeError("SocketModeServer is not started")
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    def issue_url(self) -> str:
        """A URL for one connection, as apps.connections.open hands out: its ticket is good
        once, so an app that reconnects has to ask for a new one."""
        ticket = secrets.token_hex(8)
        with self._lock:
            self._tickets.add(ticket)
        return f"{self.url}?ticket={ticket}&app_id={self.app_id}"

    # ---- what a test does -------------------------------------------------------------

    def send(
        self,
        kind: str,
        payload: Json,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Envelope:
        """An envelope to the newest open connection, as Slack sends each request once."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"no such envelope type: {kind}")
        link = self.wait_for_link()
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()),
            type=kind,
            payload=payload,
            accepts_response_payload=accepts_response_payload(kind, payload),
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            link=link.number,
            sent_at=time.monotonic(),
        )
        with self._lock:
            self.envelopes.append(envelope)
        assert link.connection is not None
        link.connection.send(json.dumps(envelope.message()))
        return envelope

    def deliver(
        self, kind: str, payload: Json, *, timeout: float = ACK_TIMEOUT_SECONDS, **retry: Any
    ) -> Ack:
        """Send an envelope and wait for its ack."""
        return self.wait_for_ack(self.send(kind, payload, **retry), timeout)

    def wait_for_ack(self, envelope: Envelope, timeout: float = ACK_TIMEOUT_SECONDS) -> Ack:
        found = self._wait(
            lambda: next((a for a in self.acks if a.envelope_id == envelope.envelope_id), None),
            timeout,
        )
        if found is None:
            raise AssertionError(
                f"no ack for the {envelope.type} envelope {envelope.envelope_id} in {timeout:g} s"
            )
        return found

    def wait_for_link(self, count: int = 1, timeout: float = CONNECT_TIMEOUT_SECONDS) -> Link:
        """The newest open connection, once the `count`-th connection has been greeted."""

        def newest_open() -> Link | None:
            if len(self.links) < count or not self.links[count - 1].greeted:
                return None
            live = (link for link in reversed(self.links) if link.is_open and link.greeted)
            return next(live, None)

        found = self._wait(newest_open, timeout)
        if found is None:
            raise AssertionError(
                f"no open connection (of {count} expected) within {timeout:g} s: {self.links}"
            )
        return found

    def open_links(self) -> list[Link]:
        with self._lock:
            return [link for link in self.links if link.is_open]

    def request_refresh(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` message to every open connection: connect anew, then let
        this one go. (Slack closes it itself a little later; here the app closes it.)"""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}
        )
        for link in self.open_links():
            assert link.connection is not None
            link.connection.send(message)

    def drop(self, *, reset: bool = True) -> None:
        """Every open connection breaks without a WebSocket close, as when a network fails
        or a load balancer goes away: a TCP reset, or (reset=False) the stream just ends."""
        for link in self.open_links():
            assert link.connection is not None
            sock = link.connection.socket
            if sock.fileno() < 0:  # the app has just closed it
                continue
            if reset:  # closed with a zero linger time, before websockets could end it politely
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            else:
                sock.shutdown(socket.SHUT_WR)
            link.connection.close_socket()  # websockets' way to close and stop its reader

    # ---- the server's side (its threads) ------------------------------------------------

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """The handshake: only a ticket apps.connections.open issued, and only once."""
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self.refused.append(request.path)
        return Response(HTTPStatus.UNAUTHORIZED, "Unauthorized", Headers(), b"invalid ticket\n")

    def _converse(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        ticket = parse_qs(urlsplit(connection.request.path).query)["ticket"][0]
        with self._changed:
            link = Link(len(self.links) + 1, ticket, time.monotonic(), connection=connection)
            self.links.append(link)
            count = sum(other.is_open for other in self.links)
        try:
            connection.send(json.dumps(self._hello(count)))
            with self._changed:
                link.greeted_at = time.monotonic()
                self._changed.notify_all()
            for raw in connection:
                self._receive(link, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                link.closed_at = time.monotonic()
                self._changed.notify_all()

    def _hello(self, num_connections: int) -> Json:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _receive(self, link: Link, raw: str | bytes) -> None:
        now = time.monotonic()
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        with self._changed:
            sent = None
            if isinstance(message, dict) and set(message) <= {"envelope_id", "payload"}:
                sent = next(
                    (e for e in self.envelopes if e.envelope_id == message.get("envelope_id")),
                    None,
                )
            if sent is None or any(a.envelope_id == sent.envelope_id for a in self.acks):
                self.strays.append(message if isinstance(message, dict) else str(raw))
            else:
                assert isinstance(message, dict)
                payload = message.get("payload")
                self.acks.append(
                    Ack(sent.envelope_id, payload, link.number, now, now - sent.sent_at)
                )
            self._changed.notify_all()

    def _wait(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := probe()) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return found
