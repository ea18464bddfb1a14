"""A minimal HTTP front for a Bolt app, for the stand-in's and driver's self-tests.

The bot has its own server (`bot.runtime.http_server`); this one lets tests/standin/test_standin.py
drive a throwaway Bolt app with `SlackDriver` without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

# How often the server loop checks for shutdown; the default 0.5 s would slow every test.
POLL_SECONDS = 0.01


class _BoltServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops bursts of parallel connects (1 s SYN retry).
    request_queue_size = 128
    app: App


class _BoltHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        headers: dict[str, str | Sequence[str]] = {
            name.lower(): self.headers.get_all(name) or [] for name in self.headers
        }
        request = BoltRequest(body=body, query=urlsplit(self.path).query, headers=headers)
        response = cast(_BoltServer, self.server).app.dispatch(request)
        payload = (response.body or "").encode()
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                if name.lower() != "content-length":
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve_bolt_app(app: App) -> tuple[str, Callable[[], None]]:
    """Serve `app` on 127.0.0.1 at a free port; returns (base_url, stop)."""
    server = _BoltServer(("127.0.0.1", 0), _BoltHandler)
    server.app = app
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}", stop
