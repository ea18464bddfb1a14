"""A local stand-in for Slack's Web API, for tests.

`SlackStandIn` is a small threaded HTTP server on 127.0.0.1 that answers the Web API
methods Panelbot uses, in Slack's JSON shapes, and checks what Slack checks: the token,
required arguments, channel membership, Block Kit validity and limits, trigger_id expiry,
view hashes. Everything it receives is recorded so tests can assert on it.

Point the bot at it with `WebClient(base_url=standin.api_url, token=standin.token)`.
It serves several workspaces, each call acting as the one its token belongs to, and the
OAuth install (`configure_oauth`, `/oauth/v2/authorize`, `oauth.v2.access`), and Socket Mode:
`apps.connections.open` for the app-level tokens in `app_tokens`, and with
`start_socket_mode()` Slack's WebSocket side (tests/slack/socket_mode.py).

The class is assembled from parts: `StandInRecords` (state, directory, records),
`ConversationsMixin` (channels, DMs, messages), `ViewStackMixin` (modals, Home tabs),
`FilesMixin` (file uploads, `files_in`), `FaultInjectionMixin` (`fail_next`,
`fail_always`, `fail_randomly`), `WorkspacesMixin` (workspaces, tokens, OAuth); the methods
themselves are in `web_api` and the HTTP plumbing in `http`.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time

from tests.slack.blockkit import message_errors
from tests.slack.conversations import ConversationsMixin
from tests.slack.errors import ApiError
from tests.slack.faults import FaultInjectionMixin, InjectedFault
from tests.slack.files import FilesMixin
from tests.slack.http import StandInRequestHandler, StandInServer
from tests.slack.records import ApiCall, Json
from tests.slack.socket_mode import SocketModeServer
from tests.slack.views import ViewStackMixin
from tests.slack.web_api import METHODS
from tests.slack.workspaces import WorkspacesMixin

TRIGGER_TTL_SECONDS = 3.0
# What a used trigger_id is kept as, so using it again gets `exchanged_trigger_id`.
EXCHANGED = ("", float("-inf"))
# Methods Slack answers without a token (oauth.v2.access checks the app's credentials).
NO_TOKEN_METHODS = frozenset({"api.test", "oauth.v2.access"})
# Methods that take an app-level token (xapp-…) instead of a bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# How often the server loop checks for shutdown; the default 0.5 s would slow every test.
POLL_SECONDS = 0.01


class SlackStandIn(
    FilesMixin, ConversationsMixin, ViewStackMixin, FaultInjectionMixin, WorkspacesMixin
):
    """Fake Slack Web API server. All public records are guarded by one lock.

    Constructor arguments and the recorded state are those of `StandInRecords`.
    """

    # ---- lifecycle ------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        server = StandInServer(("127.0.0.1", 0), StandInRequestHandler)
        server.standin = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        return self

    def start_socket_mode(self) -> SocketModeServer:
        """Slack's Socket Mode side: from now on apps.connections.open hands out its URLs."""
        if self.socket_mode is None:
            self.socket_mode = SocketModeServer(app_id=self.app_id).start()
        return self.socket_mode

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.stop()
            self.socket_mode = None
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ---- interactivity helpers ------------------------------------------------------

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger_id for `user_id`: valid for 3 s of `self.clock`, usable once."""
        with self._lock:
            trigger_id = f"{next(self._ids)}.{int(self.clock())}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = (user_id, self.clock())
            return trigger_id

    def new_response_url(self, channel: str | None = None, message_ts: str | None = None) -> str:
        """A response_url on this server; bound to a message so replace_original works."""
        with self._lock:
            url = f"{self.base_url}/response/{next(self._ids)}-{secrets.token_hex(8)}"
            self._response_urls[url] = (channel, message_ts)
            return url

    def _consume_trigger(self, trigger_id: str) -> str:
        entry = self._triggers.get(trigger_id)
        if entry is None:
            raise ApiError("invalid_trigger_id")
        if entry == EXCHANGED:  # Slack's answer to a trigger_id used before (a replay)
            raise ApiError("exchanged_trigger_id")
        self._triggers[trigger_id] = EXCHANGED
        user_id, issued_at = entry
        user = self._users.get(user_id)
        if user is not None and self._foreign(user["team_id"]):
            raise ApiError("invalid_trigger_id")  # minted for another workspace's user
        if self.clock() - issued_at > TRIGGER_TTL_SECONDS:
            raise ApiError("expired_trigger_id")
        return user_id

    # ---- request handling (called from server threads) -----------------------------

    def handle_api(self, method: str, args: Json, header_token: str | None) -> tuple[int, Json]:
        token = header_token or args.pop("token", None)
        # A private copy, so later edits to stored messages/views never rewrite history.
        call = ApiCall(method=method, args=copy.deepcopy(args), token=token, at=self.clock())
        status, body, fault = self._answer(method, args, token)
        call.ok, call.error, call.status = bool(body.get("ok")), body.get("error"), status
        scopes = self.scopes_of(token)
        if scopes is not None:  # Slack names a token's scopes in a header of every answer
            body = {**body, "_headers": {"x-oauth-scopes": scopes}}
        call.fault = fault.kind if fault is not None else None
        with self._lock:
            self.calls.append(call)
        if fault is not None and fault.delay > 0:
            # A "slow" fault: the call has taken effect and is recorded; only the answer
            # is late. Sleep outside the lock so other calls go on meanwhile.
            time.sleep(fault.delay)
        return status, body

    def _answer(
        self, method: str, args: Json, token: str | None
    ) -> tuple[int, Json, InjectedFault | None]:
        handler = METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, None
        workspace = None
        if method not in NO_TOKEN_METHODS:
            if not token:
                return 200, {"ok": False, "error": "not_authed"}, None
            if method in APP_TOKEN_METHODS:
                refused = None if token in self.app_tokens else self._app_token_error(token)
            else:
                workspace, refused = self._token_error(token)
            if refused:
                return 200, {"ok": False, "error": refused}, None
        fault: InjectedFault | None = None
        try:
            fault = self._injected_fault(method, args)
            if fault is not None and fault.answer is not None:
                return fault.status, fault.answer, fault
            with self._lock, self.acting_as(workspace):
                return 200, {"ok": True, **handler(self, args)}, fault
        except ApiError as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}, fault
        except Exception as exc:
            # A stand-in bug (or arguments it cannot parse, or a failing `fail_always`
            # predicate) must fail the call visibly, not kill the server thread and leave
            # the bot's request hanging.
            self._warn(method, "standin_error", error=repr(exc))
            return 500, {"ok": False, "error": "internal_error"}, fault

    def handle_response_url(self, url: str, body: Json) -> tuple[int, Json]:
        with self._lock:
            if url not in self._response_urls:
                return 404, {"ok": False, "error": "no_service"}
            self.responses.append(body)
            self.response_posts.append((url, body))
            if "blocks" in body:
                errors = message_errors(body["blocks"])
                if errors:
                    return 400, {"ok": False, "error": "invalid_blocks", "errors": errors}
            self._apply_response_url_post(url, body)
        return 200, {"ok": True}
