"""Reading view.state.values ({block_id: {action_id: value}}) defensively.

Payloads can be forged, so anything missing or of the wrong type reads as empty and the
rules then say what is missing. Input elements in our modals all use action_id "value".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

StateValues = dict[str, dict[str, Any]]
USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")


def field(values: StateValues, block_id: str, action_id: str = "value") -> dict[str, Any]:
    block = values.get(block_id) if isinstance(values, dict) else None
    if not isinstance(block, dict):
        return {}
    found = block.get(action_id)
    return found if isinstance(found, dict) else {}


def text_value(values: StateValues, block_id: str) -> str:
    value = field(values, block_id).get("value")
    # NUL: PostgreSQL text cannot hold it, and it means nothing to anyone.
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def selected(values: StateValues, block_id: str) -> str:
    option = field(values, block_id).get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return str(option["value"])
    return ""


def selected_values(values: StateValues, block_id: str) -> list[str]:
    """The values of a multi_static_select's chosen options."""
    options = field(values, block_id).get("selected_options")
    if not isinstance(options, list):
        return []
    return [
        str(o["value"]) for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
    ]


def selected_users(values: StateValues, block_id: str) -> list[str]:
    users = field(values, block_id).get("selected_users")
    if not isinstance(users, list):
        return []
    # Only what Slack's user picker can hold: anything else ("" or a 100 kB string) is no
    # one, and asking Slack about it fails the whole lookup instead of naming it.
    return [u for u in users if isinstance(u, str) and USER_ID.fullmatch(u)]


def datetime_value(values: StateValues, block_id: str) -> datetime | None:
    raw = field(values, block_id).get("selected_date_time")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return datetime.fromtimestamp(raw, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def selected_conversation(values: StateValues, block_id: str) -> str | None:
    conversation = field(values, block_id).get("selected_conversation")
    return conversation if isinstance(conversation, str) and conversation else None


def selected_user(values: StateValues, block_id: str) -> str | None:
    """A users_select's choice, when it is a user id Slack's picker could hold."""
    user = field(values, block_id).get("selected_user")
    return user if isinstance(user, str) and USER_ID.fullmatch(user) else None


def date_value(values: StateValues, block_id: str) -> date | None:
    """A datepicker's "YYYY-MM-DD"; None when missing or forged."""
    raw = field(values, block_id).get("selected_date")
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
