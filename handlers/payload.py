"""Reading Slack payloads. Interactions nest team and user; commands and events don't."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.codec import RoundMeta, RoundRef, Value, decode
from bot.errors import PanelbotError


@dataclass(frozen=True)
class Command:
    """A `/panel <verb>` as its listener gets it: what Bolt injected, and what was typed
    after the verb (stripped)."""

    ack: Ack
    body: dict[str, Any]
    client: WebClient
    respond: Respond
    rest: str


def any_of(action_ids: Iterable[str]) -> re.Pattern[str]:
    """One listener for several action ids (Bolt takes a pattern, not a list): buttons that
    do one thing but sit in one block, where Slack wants their action_ids distinct."""
    return re.compile("^(?:" + "|".join(map(re.escape, action_ids)) + ")$")


def team_id(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or (body.get("user") or {}).get("team_id") or "")


def user_id(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def clicked(body: dict[str, Any], kind: type[Value]) -> Value:
    """The clicked button's or picked option's value, read by the codec (NotFound when it
    does not read)."""
    return decode(kind, selected_value(body))


def carried(view: dict[str, Any], kind: type[Value]) -> Value:
    """A submitted modal's private_metadata, read by the codec (NotFound when it does not)."""
    return decode(kind, view.get("private_metadata"))


def clicked_round(body: dict[str, Any]) -> int:
    """The round a round's button names; anything else is no round."""
    return clicked(body, RoundRef).root


def metadata_round(view: dict[str, Any]) -> int:
    return carried(view, RoundMeta).round


def command_text(body: dict[str, Any]) -> str:
    """What was typed after /panel, without NUL: PostgreSQL text cannot hold one (the query
    would fail), and it means nothing to anyone."""
    return str(body.get("text") or "").replace("\x00", "")


def trigger_id(body: dict[str, Any]) -> str:
    """What opens a modal; a request without one (Slack always sends it) gets words, not a
    KeyError."""
    found = body.get("trigger_id")
    if not isinstance(found, str) or not found:
        raise PanelbotError("Slack sent no way to open a window for that. Please try again.")
    return found


def request_id(body: dict[str, Any]) -> str:
    """Slack's id of this request, its trigger_id: a resent request carries the same one.
    Empty when there is none (for keys and words, where `trigger_id` would raise)."""
    return str(body.get("trigger_id") or "")


def selected_value(body: dict[str, Any]) -> str:
    """The value of the clicked button or the picked option."""
    action = (body.get("actions") or [{}])[0]
    return str((action.get("selected_option") or {}).get("value") or action.get("value") or "")


def state_values(body: dict[str, Any]) -> dict[str, Any]:
    values = ((body.get("view") or {}).get("state") or {}).get("values")
    return values if isinstance(values, dict) else {}
