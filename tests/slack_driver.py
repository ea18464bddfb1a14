"""Drive a Bolt app over HTTP the way Slack does.

`SlackDriver` sends Slack-signed requests (slash commands, shortcuts, block actions,
view submissions, events) to the bot's `/slack/events` endpoint, in Slack's payload
shapes, using trigger_ids and response_urls minted by a `SlackStandIn` so the bot's
follow-up Web API calls are checked against them. `V` builds `view.state.values`
entries; `serve_bolt_app` serves a Bolt app over plain `http.server` for self-tests.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode, urlsplit

from slack_bolt import App, BoltRequest

if TYPE_CHECKING:
    # Type-only: importing at runtime would tie this module to one sys.path layout.
    from tests.slack_standin import SlackStandIn

Json = dict[str, Any]

VERIFICATION_TOKEN = "verification-token"
REQUEST_TIMEOUT_SECONDS = 10
# How often the server loop checks for shutdown; the default 0.5 s would slow every test.
POLL_SECONDS = 0.01


@dataclass
class Reply:
    """The bot's HTTP answer to one request from Slack."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds; Slack gives up on acks after 3 s

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Slack's request signature: v0=HMAC_SHA256(secret, "v0:{ts}:{body}")."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------
# view.state.values builders
# --------------------------------------------------------------------------------------


def _plain(text: str) -> Json:
    return {"type": "plain_text", "text": text, "emoji": True}


class V:
    """Element states as Slack sends them in `view.state.values[block_id][action_id]`."""

    @staticmethod
    def text(value: str | None) -> Json:
        return {"type": "plain_text_input", "value": value}

    @staticmethod
    def number(value: str | None) -> Json:
        return {"type": "number_input", "value": value}

    @staticmethod
    def users(user_ids: list[str]) -> Json:
        return {"type": "multi_users_select", "selected_users": list(user_ids)}

    @staticmethod
    def user(user_id: str | None) -> Json:
        return {"type": "users_select", "selected_user": user_id}

    @staticmethod
    def conversation(channel_id: str | None) -> Json:
        return {"type": "conversations_select", "selected_conversation": channel_id}

    @staticmethod
    def conversations(channel_ids: list[str]) -> Json:
        return {
            "type": "multi_conversations_select",
            "selected_conversations": list(channel_ids),
        }

    @staticmethod
    def option_object(value: str, text: str = "x") -> Json:
        return {"text": _plain(text), "value": value}

    @staticmethod
    def option(value: str, text: str = "x") -> Json:
        return {"type": "static_select", "selected_option": V.option_object(value, text)}

    @staticmethod
    def options(values: list[str]) -> Json:
        return {
            "type": "multi_static_select",
            "selected_options": [V.option_object(value) for value in values],
        }

    @staticmethod
    def radio(value: str, text: str = "x") -> Json:
        return {"type": "radio_buttons", "selected_option": V.option_object(value, text)}

    @staticmethod
    def checkboxes(values: list[str]) -> Json:
        return {
            "type": "checkboxes",
            "selected_options": [V.option_object(value) for value in values],
        }

    @staticmethod
    def date(value: str | None) -> Json:
        """`value` is "YYYY-MM-DD"."""
        return {"type": "datepicker", "selected_date": value}

    @staticmethod
    def time(value: str | None) -> Json:
        """`value` is "HH:MM"."""
        return {"type": "timepicker", "selected_time": value}

    @staticmethod
    def datetime(epoch: int | None) -> Json:
        return {"type": "datetimepicker", "selected_date_time": epoch}


# Per element type: the state key Slack fills in, the element field holding its
# initial value, and the state an untouched empty element has.
_STATE_KEYS: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("value", "initial_value", None),
    "number_input": ("value", "initial_value", None),
    "email_text_input": ("value", "initial_value", None),
    "url_text_input": ("value", "initial_value", None),
    "users_select": ("selected_user", "initial_user", None),
    "multi_users_select": ("selected_users", "initial_users", []),
    "conversations_select": ("selected_conversation", "initial_conversation", None),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", []),
    "channels_select": ("selected_channel", "initial_channel", None),
    "multi_channels_select": ("selected_channels", "initial_channels", []),
    "static_select": ("selected_option", "initial_option", None),
    "external_select": ("selected_option", "initial_option", None),
    "multi_static_select": ("selected_options", "initial_options", []),
    "radio_buttons": ("selected_option", "initial_option", None),
    "checkboxes": ("selected_options", "initial_options", []),
    "datepicker": ("selected_date", "initial_date", None),
    "timepicker": ("selected_time", "initial_time", None),
    "datetimepicker": ("selected_date_time", "initial_date_time", None),
}


def _input_elements(blocks: list[Json]) -> dict[str, tuple[Json, Json]]:
    """block_id -> (input block, its element) for every input block of a view."""
    return {
        str(block.get("block_id")): (block, block["element"])
        for block in blocks
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    }


def _untouched_state(element: Json) -> Json:
    state_key, initial_key, empty = _STATE_KEYS.get(
        element["type"], ("value", "initial_value", None)
    )
    return {"type": element["type"], state_key: copy.deepcopy(element.get(initial_key, empty))}


def _is_empty(state: Json) -> bool:
    return all(value in (None, "", []) for key, value in state.items() if key != "type")


def full_state_values(blocks: list[Json], values: dict[str, dict[str, Json]]) -> Json:
    """What Slack sends as state.values: every input, given values over initial ones.

    Raises ValueError for states Slack's client would never produce, so a test that
    drifts from the bot's modal fails loudly instead of passing by accident.
    """
    inputs = _input_elements(blocks)
    result: Json = {}
    for block_id, (block, element) in inputs.items():
        given = values.get(block_id, {})
        action_id = str(element.get("action_id"))
        _check_given(block_id, action_id, element, given)
        state = given.get(action_id) or _untouched_state(element)
        if not block.get("optional", False) and _is_empty(state):
            raise ValueError(f"input {block_id!r} is required; Slack would block the submit")
        _check_text_length(block_id, element, state)
        result[block_id] = {action_id: copy.deepcopy(state)}
    unknown = set(values) - set(inputs)
    if unknown:
        raise ValueError(f"no input blocks {sorted(unknown)} in the view; it has {sorted(inputs)}")
    return result


def _check_given(block_id: str, action_id: str, element: Json, given: dict[str, Json]) -> None:
    if not given:
        return
    if set(given) != {action_id}:
        raise ValueError(f"input {block_id!r} has action_id {action_id!r}, not {sorted(given)}")
    if given[action_id].get("type") != element["type"]:
        raise ValueError(
            f"input {block_id!r} is a {element['type']}, not a {given[action_id].get('type')}"
        )


def _check_text_length(block_id: str, element: Json, state: Json) -> None:
    if element["type"] != "plain_text_input" or state.get("value") is None:
        return
    length = len(state["value"])
    if not element.get("min_length", 0) <= length <= element.get("max_length", 3000):
        raise ValueError(f"input {block_id!r}: Slack's client refuses {length} characters")


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


class SlackDriver:
    """Plays Slack's side of the HTTP conversation with the bot."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        standin: SlackStandIn,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        api_app_id: str = "A0001",
    ) -> None:
        self.events_url = bot_url.rstrip("/") + "/slack/events"
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self._event_ids = itertools.count(1)

    # ---- low level ------------------------------------------------------------------

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """POST a signed body; `timestamp`/`secret` override what gets signed."""
        raw = body.encode() if isinstance(body, str) else body
        # Bolt checks the timestamp against the real clock, never the stand-in's.
        ts = int(time.time()) if timestamp is None else timestamp
        request_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(secret or self.signing_secret, ts, raw),
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.events_url, data=raw, headers=request_headers, method="POST"
        )
        return _send(request)

    def post_payload(self, payload: Json, *, headers: dict[str, str] | None = None) -> Reply:
        """Interactivity requests are a form with one JSON `payload` field."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers=headers)

    # ---- slash commands and shortcuts ---------------------------------------------

    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/panel",
        channel_id: str = "C0HIRING",
        channel_name: str = "hiring",
        **extra: str,
    ) -> Reply:
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.standin.new_response_url(channel=channel_id),
            "trigger_id": self.standin.new_trigger_id(user_id),
            **extra,
        }
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def shortcut(self, user_id: str, callback_id: str) -> Reply:
        """A global shortcut (from the lightning menu / search)."""
        payload = {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": _action_ts(),
            "team": self._team(),
            "user": {"id": user_id, "username": self._user_name(user_id), "team_id": self.team_id},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.standin.new_trigger_id(user_id),
        }
        return self.post_payload(payload)

    # ---- block actions --------------------------------------------------------------

    def block_action(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str = "b",
        message: Json | None = None,
        view: Json | None = None,
        element_type: str = "button",
        selected_option: Json | None = None,
        state_values: dict[str, dict[str, Json]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """A click/selection in a message (`message`) or a modal/home tab (`view`)."""
        payload = self._interaction(user_id, "block_actions")
        payload["actions"] = [_action(action_id, block_id, element_type, value, selected_option)]
        if message is not None:
            payload.update(self._message_context(message))
        elif view is not None:
            current = self._current_view(view)
            payload["container"] = {"type": "view", "view_id": current["id"]}
            values = state_values or {}
            payload["view"] = self.standin.view_payload(current["id"], values)
        else:
            raise ValueError("block_action needs the message or view it happens in")
        return self.post_payload(payload, headers=headers)

    def _message_context(self, message: Json) -> Json:
        channel_id, ts = message["channel"], message["ts"]
        info = self.standin.channel_info(channel_id) or {}
        body = {k: copy.deepcopy(v) for k, v in message.items() if k != "channel"}
        return {
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": info.get("name", "directmessage")},
            "message": body,
            "response_url": self.standin.new_response_url(channel=channel_id, message_ts=ts),
        }

    # ---- modals ---------------------------------------------------------------------

    def view_submission(
        self,
        user_id: str,
        view: Json,
        values: dict[str, dict[str, Json]],
        *,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Submit a modal; the bot's ack (response_action) is applied to the stand-in.

        `values` only needs the inputs the user touched; untouched inputs are sent with
        their initial or empty state, as Slack does.
        """
        current = self._current_view(view)
        full_values = full_state_values(current["blocks"], values)
        payload = self._interaction(user_id, "view_submission")
        payload["view"] = self.standin.view_payload(current["id"], full_values)
        payload["response_urls"] = []
        payload["is_enterprise_install"] = False
        reply = self.post_payload(payload, headers=headers)
        if reply.status == 200:
            self.standin.apply_view_submission_ack(current["id"], _json_or_none(reply))
        return reply

    def view_closed(self, user_id: str, view: Json) -> Reply:
        """The user dismissed the modal (only sent if it had notify_on_close)."""
        current = self._current_view(view)
        payload = self._interaction(user_id, "view_closed")
        payload["view"] = self.standin.view_payload(current["id"])
        payload["is_cleared"] = False
        payload["is_enterprise_install"] = False
        self.standin.close_views(user_id)
        return self.post_payload(payload)

    def _current_view(self, view: Json) -> Json:
        # Slack always sends the view as it is now, so a stale record is refreshed.
        return self.standin.views.get(view["id"], view)

    # ---- events ---------------------------------------------------------------------

    def event(
        self,
        event: Json,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Reply:
        """Deliver an Events API event_callback; pass retry_num to mimic a redelivery."""
        now = time.time()
        inner = {"event_ts": f"{now:.6f}", **event}
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_ids):08d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.standin.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{inner.get('type', 'event')}-{self.team_id}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    # ---- payload pieces -------------------------------------------------------------

    def _team(self) -> Json:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user_name(self, user_id: str) -> str:
        info = self.standin.user_info(user_id)
        return str(info["name"]) if info else user_id

    def _interaction(self, user_id: str, kind: str) -> Json:
        name = self._user_name(user_id)
        return {
            "type": kind,
            "team": self._team(),
            "user": {"id": user_id, "username": name, "name": name, "team_id": self.team_id},
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.standin.new_trigger_id(user_id),
        }


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _action(
    action_id: str,
    block_id: str,
    element_type: str,
    value: str | None,
    selected_option: Json | None,
) -> Json:
    action: Json = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element_type,
        "action_ts": _action_ts(),
    }
    if element_type == "button":
        action["text"] = _plain("Button")
    if value is not None:
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = selected_option
    return action


def _json_or_none(reply: Reply) -> Json | None:
    try:
        decoded = reply.json()
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _send(request: urllib.request.Request) -> Reply:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    elapsed = time.monotonic() - started
    return Reply(status=status, body=raw.decode(), headers=headers, elapsed=elapsed)


# --------------------------------------------------------------------------------------
# A minimal HTTP front for a Bolt app (for self-tests; the bot has its own server)
# --------------------------------------------------------------------------------------


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
