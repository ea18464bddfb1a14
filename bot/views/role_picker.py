"""When a typed role matches none or several: pick one from a list."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Option, StaticSelectElement

from bot.text import escape, truncate
from bot.views.common import Message, md, message

OPTIONS_MAX = 100  # Slack's limit for a static select


def role_picker(
    text: str, roles: list[tuple[int, str]], action_id: str, what: str, extra: str = ""
) -> Message:
    """`extra` rides along in each option's value (after the role id and a colon)."""
    if not roles:
        return message(
            "No roles yet",
            [md("No role has been interviewed for yet, so there is nothing to pick from.")],
        )
    said = f"No role matches “{escape(text)}”." if text else "Which role?"
    if len(roles) > 1 and text:
        said = f"Several roles match “{escape(text)}”."
    shown = roles[:OPTIONS_MAX]
    more = len(roles) - len(shown)
    tail = f" ({more} more roles not listed: type more of the name.)" if more else ""
    select = StaticSelectElement(
        action_id=action_id,
        placeholder="Pick a role",
        options=[
            Option(text=truncate(name, 75), value=f"{role_id}:{extra}"[:150])
            for role_id, name in shown
        ],
    )
    return message(
        f"Pick a role to {what}",
        [md(f"{said} Pick the role to {what}:{tail}"), ActionsBlock(elements=[select])],
    )
