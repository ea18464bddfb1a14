"""Requests as Slack sends them, built once on top of the driver (tests/slack/driver.py) for
the campaigns that send what the driver's own methods do not: a payload as a dict to mutate
before sending (the fuzz, bad-input and permission campaigns), or a request built once as
bytes (`Raw`) and posted as often as a test likes, so a replay is exactly what Slack would
resend: the same body, the same trigger_id, the same event_id."""

from __future__ import annotations

import functools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack.driver import VERIFICATION_TOKEN, Reply, _action, sign
from tests.support.harness import HIRING, Harness, button

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def retry_headers(n: int) -> dict[str, str]:
    """Slack's headers on its n-th redelivery of a request."""
    return {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}


@dataclass(frozen=True)
class Raw:
    """One request as Slack sends it: the body and its content type."""

    body: bytes
    content_type: str


# -- payloads as dicts (to mutate before sending) -------------------------------------------
def command_fields(h: Harness, user: str, text: str, channel: str) -> dict[str, Any]:
    name = "hiring" if channel.startswith("C") else "directmessage"
    return dict(h.driver.command_fields(user, text, "/panel", channel, name))


def click_payload(
    h: Harness,
    user: str,
    action_id: str,
    value: str | None,
    *,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    selected: str | None = None,
    block_id: str = "b",
    selected_option: dict[str, Any] | None = None,
    element_type: str | None = None,
) -> dict[str, Any]:
    """A block_actions payload: a button (or, with `selected` or `selected_option`, a static
    select) in a message or in a view the stand-in knows (as it is now)."""
    payload = h.driver._interaction(user, "block_actions")
    if selected is not None:
        selected_option = {"text": {"type": "plain_text", "text": "x"}, "value": selected}
    element = element_type or ("static_select" if selected_option is not None else "button")
    payload["actions"] = [_action(action_id, block_id, element, value, selected_option)]
    if message is not None:
        payload.update(h.driver._message_context(message))
    else:
        assert view is not None
        current = h.standin.views.get(view["id"], view)
        payload["container"] = {"type": "view", "view_id": current["id"]}
        payload["view"] = h.standin.view_payload(current["id"], {})
    return payload


def ephemeral_select_payload(
    h: Harness,
    user: str,
    action_id: str,
    option: dict[str, Any],
    *,
    block_id: str = "Xq7+B",  # Slack makes one up where the app gave none
    placeholder: dict[str, Any] | None = None,
    channel: str = HIRING,
) -> dict[str, Any]:
    """A choice in a static select of an ephemeral message (a role picker), as Slack sends
    it. The driver's block_action wants a stored message, and ephemeral messages are not
    stored: the payload is built here."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "static_select",
        "selected_option": option,
        "action_ts": "1700000000.000001",
    }
    if placeholder is not None:
        action["placeholder"] = placeholder
    payload = h.driver._interaction(user, "block_actions")
    payload["actions"] = [action]
    payload["container"] = {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": channel,
        "is_ephemeral": True,
    }
    payload["channel"] = {"id": channel, "name": "hiring"}
    payload["response_url"] = h.standin.new_response_url(channel=channel)
    payload["state"] = {"values": {}}
    return payload


def event_envelope(h: Harness, inner: dict[str, Any], n: int) -> dict[str, Any]:
    return h.driver.event_envelope(inner, event_id=f"EvFUZZ{n:010d}")


def form(fields: Mapping[str, Any]) -> Raw:
    """A slash command's form; values that are not strings go as JSON text (a form has
    nothing else)."""
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    # surrogatepass: a lone surrogate goes as the bytes it would be (not UTF-8 any more).
    return Raw(urlencode(encoded, errors="surrogatepass").encode(), FORM)


def post_form(h: Harness, fields: dict[str, Any]) -> Reply:
    return send(h, form(fields))


def post_interaction(h: Harness, payload: dict[str, Any]) -> Reply:
    return send(h, interaction(payload))


def post_event(h: Harness, envelope: dict[str, Any]) -> Reply:
    return send(h, Raw(json.dumps(envelope).encode(), JSON))


# -- building requests ---------------------------------------------------------------------
def command(
    h: Harness, user: str, text: str, *, channel: str = HIRING, channel_name: str = "hiring"
) -> Raw:
    fields = h.driver.command_fields(user, text, "/panel", channel, channel_name)
    return Raw(urlencode(fields).encode(), FORM)


def interaction(payload: Mapping[str, Any]) -> Raw:
    return Raw(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def action(
    h: Harness,
    user: str,
    message: dict[str, Any],
    action_id: str,
    *,
    value: str | None = None,
    block_id: str | None = None,
    selected_option: dict[str, Any] | None = None,
    element_type: str = "button",
) -> Raw:
    """A click in a message: the button's own value and block unless given."""
    if value is None or block_id is None:
        found = button(message, action_id)
        value = found.get("value") if value is None else value
        block_id = found["block_id"] if block_id is None else block_id
    payload = click_payload(
        h,
        user,
        action_id,
        value,
        message=message,
        block_id=block_id,
        selected_option=selected_option,
        element_type=element_type,
    )
    return interaction(payload)


def view_action(h: Harness, user: str, view: dict[str, Any], action_id: str) -> Raw:
    """A click on a button in a modal or Home tab, with the view as it is now."""
    found = button(view, action_id)
    payload = click_payload(
        h, user, action_id, found["value"], view=view, block_id=found["block_id"]
    )
    return interaction(payload)


def submission(
    h: Harness, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> Raw:
    payload = h.submission(user, view, values)
    payload["is_enterprise_install"] = False
    return interaction(payload)


def shortcut(h: Harness, user: str, callback_id: str = "start_panel") -> Raw:
    info = h.standin.user_info(user) or {}
    payload = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": h.driver.team_id, "domain": h.driver.team_domain},
        "user": {"id": user, "username": info.get("name", user), "team_id": h.driver.team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": h.standin.new_trigger_id(user),
    }
    return interaction(payload)


_event_ids = iter(range(1, 10**9))


def event(h: Harness, inner: dict[str, Any]) -> Raw:
    """An Events API event_callback with its own event_id (kept on a replay)."""
    envelope = h.driver.event_envelope(inner, event_id=f"EvCAMPAIGN{next(_event_ids):08d}")
    return Raw(json.dumps(envelope).encode(), JSON)


def home_opened(h: Harness, user: str) -> Raw:
    return event(h, {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})


# -- sending -------------------------------------------------------------------------------
def send(h: Harness, raw: Raw, headers: Mapping[str, str] | None = None) -> Reply:
    """POST the request signed now with the right secret (plus any extra headers)."""
    return h.driver.post(raw.body, raw.content_type, headers=dict(headers or {}))


def send_unsigned(h: Harness, body: bytes, headers: Mapping[str, str]) -> Reply:
    """POST with exactly these headers (no signature added)."""
    request = urllib.request.Request(
        h.driver.events_url, data=body, headers=dict(headers), method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return Reply(status, raw.decode(errors="replace"), elapsed=time.monotonic() - started)


def signed_headers(raw: Raw, *, timestamp: int, secret: str) -> dict[str, str]:
    return {
        "Content-Type": raw.content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, raw.body),
    }


def together(calls: list[Callable[[], Reply]], timeout: float = 30) -> list[Reply]:
    """Run the calls in threads released by one barrier: they hit the bot at one instant."""
    barrier = threading.Barrier(len(calls))
    replies: list[Reply | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            replies[i] = calls[i]()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert all(reply is not None for reply in replies), "a request got no answer"
    return [reply for reply in replies if reply is not None]


def send_together(h: Harness, *raws: Raw) -> list[Reply]:
    """The requests, signed and sent at one instant (threads and a barrier)."""
    return together([functools.partial(send, h, raw) for raw in raws])
