"""HTTP mode: Bolt behind the standard library's threaded WSGI server.

Serves POST /slack/events (Bolt), GET /healthz (alive), GET /readyz (ready for work) and
GET /metrics (Prometheus). Every request handed to Bolt is timed and logged, one line each
(bot/runtime/request_log.py). Production serving with several workers is a separate concern
(issue 5); this server is what `panelbot run` and the tests use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.runtime.metrics import metrics_app
from bot.runtime.request_log import observed
from bot.slack.payloads import PARSED_KEY, guard_payloads

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from storage.db import Database

log = logging.getLogger(__name__)
Readiness = Callable[[], str | None]
EVENTS_PATH = "/slack/events"


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Slack retries unanswered requests; a deep backlog beats refused connections.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the request line is logged by bot/runtime/request_log.py, once, without the query

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


class ParsedOnceHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, handed the body the payload guard has already parsed: a feedback
    form is tens of kB of url-encoded JSON, and decoding it again was about 0.7 ms of a
    submission's CPU (docs/performance.md, "Bolt's parse")."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(bolt_request_of(request))


def bolt_request_of(request: WsgiHttpRequest) -> BoltRequest:
    """The BoltRequest Bolt's adapter builds, from the environ's parsed body when there is one.
    In HTTP mode BoltRequest takes only the raw string (and parses it); it takes a parsed body
    only in Socket Mode. Built that way, then given the raw body (what the signature check
    reads) and HTTP mode, it is the same request, attribute for attribute
    (tests/unit/test_parsed_once.py)."""
    body = request.environ.get(PARSED_KEY)
    if not isinstance(body, dict):
        return BoltRequest(
            body=request.get_body(), query=request.query_string, headers=request.get_headers()
        )
    bolt_request = BoltRequest(
        body=body, query=request.query_string, headers=request.get_headers(), mode="socket_mode"
    )
    bolt_request.raw_body = request.get_body()
    bolt_request.mode = "http"
    return bolt_request


def wsgi_app(app: App, readiness: Readiness | None = None, *, db: Database | None = None) -> Any:
    """`readiness` says why the instance is not ready (None: ready); /readyz reports it.
    `db`: where /metrics reads the outbox and due-work backlog at scrape time."""
    # Malformed payloads are refused before Bolt, which would crash on them (a 500).
    guarded = guard_payloads(ParsedOnceHandler(app, path=EVENTS_PATH), app, EVENTS_PATH)
    bolt = observed(guarded, app)
    metrics = metrics_app(db)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":  # the process answers
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if path == "/readyz":  # and can do its work: database reachable, schema current
            problem = readiness() if readiness else None
            status = "503 Service Unavailable" if problem else "200 OK"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [(problem or "ready").encode()]
        if path == "/metrics":
            return metrics(environ, start_response)
        return bolt(environ, start_response)

    return application


def make_http_server(
    app: App,
    host: str,
    port: int,
    readiness: Readiness | None = None,
    *,
    db: Database | None = None,
) -> ThreadingWSGIServer:
    server = make_server(
        host,
        port,
        wsgi_app(app, readiness, db=db),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    assert isinstance(server, ThreadingWSGIServer)
    return server
