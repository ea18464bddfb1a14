"""Drive a Bolt app over HTTP the way Slack does.

`SlackDriver` sends Slack-signed requests (slash commands, shortcuts, block actions,
view submissions, events) to the bot's `/slack/events` endpoint, in Slack's payload
shapes, using trigger_ids and response_urls minted by a `SlackStandIn` so the bot's
follow-up Web API calls are checked against them.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.slack.blockkit import message_errors
from tests.slack.state import Json, full_state_values, plain_text

if TYPE_CHECKING:
    # Type-only: importing at runtime would tie this module to one sys.path layout.
    from tests.slack.standin import SlackStandIn

VERIFICATION_TOKEN = "verification-token"
REQUEST_TIMEOUT_SECONDS = 10


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

    def for_team(self, team_id: str) -> SlackDriver:
        """A driver sending the same app's requests as another workspace would (one the
        stand-in doesn't know is a workspace that never installed Panelbot)."""
        known = self.standin.workspaces.get(team_id)
        domain = known.domain if known else team_id.lower()
        bot_url = self.events_url.removesuffix("/slack/events")
        return SlackDriver(
            bot_url,
            self.signing_secret,
            self.standin,
            team_id=team_id,
            team_domain=domain,
            api_app_id=self.api_app_id,
        )

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
        raw, request_headers = self.signed(body, content_type, timestamp, secret, headers)
        request = urllib.request.Request(
            self.events_url, data=raw, headers=request_headers, method="POST"
        )
        return self.checked(_send(request))

    def checked(self, reply: Reply) -> Reply:
        """An ack with blocks (a command's reply) is a message Slack checks like any other."""
        answer = _json_or_none(reply) if reply.status == 200 else None
        if answer and "blocks" in answer and (errors := message_errors(answer["blocks"])):
            self.standin._warn("ack", "invalid_blocks", errors=errors)
        return reply

    def signed(
        self,
        body: bytes | str,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body's bytes and the headers Slack sends with them, signature included."""
        raw = body.encode() if isinstance(body, str) else body
        # Bolt checks the timestamp against the real clock, never the stand-in's.
        ts = int(time.time()) if timestamp is None else timestamp
        return raw, {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(secret or self.signing_secret, ts, raw),
            **(headers or {}),
        }

    def post_payload(self, payload: Json, *, headers: dict[str, str] | None = None) -> Reply:
        """Interactivity requests are a form with one JSON `payload` field."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers=headers)

    # How each kind of request travels: tests/slack/socket_driver.py sends them over Socket Mode.
    def send_command(self, fields: dict[str, str]) -> Reply:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def send_interaction(self, payload: Json, headers: dict[str, str] | None = None) -> Reply:
        return self.post_payload(payload, headers=headers)

    def send_event(self, envelope: Json, headers: dict[str, str]) -> Reply:
        return self.post(json.dumps(envelope), "application/json", headers=headers)

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
            **self.command_fields(user_id, text, command, channel_id, channel_name),
            **extra,
        }
        return self.send_command(fields)

    def command_fields(
        self,
        user_id: str,
        text: str = "",
        command: str = "/panel",
        channel_id: str = "C0HIRING",
        channel_name: str = "hiring",
    ) -> dict[str, str]:
        """The form Slack posts for a slash command, with a fresh response_url and trigger."""
        return {
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
        }

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
        return self.send_interaction(payload)

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
        return self.send_interaction(payload, headers=headers)

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
        reply = self.send_interaction(payload, headers=headers)
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
        return self.send_interaction(payload)

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
        envelope = self.event_envelope(event, event_id=event_id)
        retried = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.send_event(envelope, retried if retry_num is not None else {})

    def event_envelope(self, event: Json, *, event_id: str | None = None) -> Json:
        """The event_callback Slack wraps an event in, for this driver's team."""
        now = time.time()
        inner = {"event_ts": f"{now:.6f}", **event}
        return {
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

    # ---- payload pieces -------------------------------------------------------------

    def _bot_user_id(self) -> str:
        known = self.standin.workspaces.get(self.team_id)
        return known.bot_user_id if known else self.standin.bot_user_id

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
        action["text"] = plain_text("Button")
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
