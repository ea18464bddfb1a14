"""The stand-in's HTTP front: Web API calls under /api/, response_url posts under /response/,
file uploads under /upload/v1/, file downloads (`url_private`) under /files-pri/ and the
OAuth consent page at /oauth/v2/authorize (the installer: header X-StandIn-User).

Decodes requests the way Slack accepts them (query string, form body or JSON body; token
in the Authorization header or a `token` argument) and hands them to the `SlackStandIn`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

from tests.slack.files import DOWNLOAD_PATH, UPLOAD_PATH
from tests.slack.records import Json

if TYPE_CHECKING:
    # Type-only: the stand-in imports this module's server classes at runtime.
    from tests.slack.standin import SlackStandIn

# Arguments Slack accepts as JSON-encoded strings in form bodies; decoded before recording.
JSON_ARGS = ("blocks", "view", "attachments", "metadata", "files")
AUTHORIZE_PATH = "/oauth/v2/authorize"


class StandInServer(ThreadingHTTPServer):
    """Serves one stand-in; handlers reach it as `server.standin`."""

    daemon_threads = True
    # The default backlog of 5 drops bursts of parallel connects (1 s SYN retry).
    request_queue_size = 128
    standin: SlackStandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a Socket Mode client whose handshake was refused) is no
        # error of the stand-in's; anything else is printed as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StandInRequestHandler(BaseHTTPRequestHandler):
    """Routes one request to the stand-in and writes its answer."""

    protocol_version = "HTTP/1.1"

    @property
    def standin(self) -> SlackStandIn:
        return cast(StandInServer, self.server).standin

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        if parts.path.startswith("/api/"):
            args = dict(parse_qsl(parts.query, keep_blank_values=True))
            args.update(self._decode_args(body))
            for name, value in self._basic_credentials().items():
                args.setdefault(name, value)
            status, answer = self.standin.handle_api(
                parts.path[len("/api/") :], _decode_json_args(args), self._bearer_token()
            )
            self._send_api_answer(status, answer)
        elif parts.path == AUTHORIZE_PATH and self.command == "GET":
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            status, where = self.standin.handle_authorize(query, self.headers.get("X-StandIn-User"))
            if status == 302:
                self._send(302, b"", "text/plain", {"Location": where})
            else:
                self._send(status, where.encode(), "text/plain")
        elif parts.path.startswith("/response/"):
            status, answer = self.standin.handle_response_url(
                self.standin.base_url + parts.path, self._decode_args(body)
            )
            self._send(status, json.dumps(answer).encode(), "application/json")
        elif parts.path.startswith(UPLOAD_PATH):
            # The raw bytes, as slack_sdk's files_upload_v2 sends them (no token).
            if self.command != "POST":
                self._send(405, b"Method Not Allowed", "text/plain")
                return
            status, text = self.standin.handle_upload(parts.path, body)
            self._send(status, text, "text/plain")
        elif parts.path.startswith(DOWNLOAD_PATH):
            status, content, content_type = self.standin.handle_download(
                parts.path, self._bearer_token()
            )
            self._send(status, content, content_type)
        else:
            self._send(404, b"Not Found", "text/plain")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _decode_args(self, body: bytes) -> Json:
        if not body:
            return {}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError:
                return {}
            return decoded if isinstance(decoded, dict) else {}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    def _bearer_token(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def _basic_credentials(self) -> dict[str, str]:
        """oauth.v2.access's client_id and client_secret, as slack_sdk sends them."""
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return {}
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return {}
        return {"client_id": client_id, "client_secret": secret}

    def _send_api_answer(self, status: int, answer: Json) -> None:
        retry_after = answer.pop("_retry_after", None)
        if status >= 500:
            self._send(status, b"Internal Server Error", "text/plain")
            return
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        headers.update(answer.pop("_headers", {}))
        self._send(status, json.dumps(answer).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        # A client that gave up waiting (e.g. on a "slow" fault) has closed the connection.
        with contextlib.suppress(ConnectionError):
            self.send_response(status)
            textual = content_type.startswith("text/") or content_type == "application/json"
            charset = "; charset=utf-8" if textual else ""
            self.send_header("Content-Type", f"{content_type}{charset}")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)


def _decode_json_args(args: Json) -> Json:
    """Form bodies carry blocks/view/attachments as JSON strings; record them decoded."""
    decoded = dict(args)
    for key in JSON_ARGS:
        value = decoded.get(key)
        if isinstance(value, str):
            # Undecodable values stay strings, so validation reports them as malformed.
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(value)
    return decoded
