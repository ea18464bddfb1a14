"""HTTP mode: Bolt behind the standard library's threaded WSGI server.

Serves POST /slack/events (Bolt), GET /healthz (alive) and GET /readyz (ready for work).
Production serving with several workers is a separate concern (issue 5); this server is what
`panelbot run` and the tests use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)
Readiness = Callable[[], str | None]
EVENTS_PATH = "/slack/events"


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Slack retries unanswered requests; a deep backlog beats refused connections.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


def wsgi_app(app: App, readiness: Readiness | None = None) -> Any:
    """`readiness` says why the instance is not ready (None: ready); /readyz reports it."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

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
        return bolt(environ, start_response)

    return application


def make_http_server(
    app: App, host: str, port: int, readiness: Readiness | None = None
) -> ThreadingWSGIServer:
    server = make_server(
        host,
        port,
        wsgi_app(app, readiness),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    assert isinstance(server, ThreadingWSGIServer)
    return server
