"""Reading Slack payloads. Interactions nest team and user; commands and events don't."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bot.domain.rules import whole_number
from bot.errors import NotFound, PanelbotError


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


def round_id(raw: object) -> int:
    """A round id from a button value or private_metadata; anything else is no round."""
    value = whole_number(raw)
    if not value:
        raise NotFound()
    return value


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        raise NotFound() from None
    return data if isinstance(data, dict) else {}


def metadata_round(view: dict[str, Any]) -> int:
    return round_id(_metadata(view).get("round"))


def metadata_number(view: dict[str, Any], key: str) -> int:
    """A whole number the modal carries besides its round (0 when missing or forged)."""
    return whole_number(_metadata(view).get(key)) or 0


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


def action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def state_values(body: dict[str, Any]) -> dict[str, Any]:
    values = ((body.get("view") or {}).get("state") or {}).get("values")
    return values if isinstance(values, dict) else {}
