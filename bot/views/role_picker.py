"""When a typed role matches none or several: pick one from a list."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Option, StaticSelectElement

from bot.codec import OPTION_VALUE_MAX, RoleChoice, encode
from bot.domain.message import PICKER_MAX, Message
from bot.text import escape, truncate
from bot.views.common import md, message


def role_picker(
    text: str,
    roles: list[tuple[int, str]],
    action_id: str,
    what: str,
    *,
    matched: bool,
    extra: str = "",
) -> Message:
    """`roles` matched `text` (or, `matched` False, are every role); more than fit are cut
    with a word saying so. `extra` rides along in each option's value (cut to fit one)."""
    if not roles:
        return message(
            "No roles yet",
            [md("No role has been interviewed for yet, so there is nothing to pick from.")],
        )
    if not text:
        said = "Which role?"
    elif matched:
        said = f"Several roles match “{escape(text)}”."
    else:
        said = f"No role matches “{escape(text)}”."
    shown = roles[:PICKER_MAX]
    tail = (
        " (Not every role fits in this list: type more of the name.)" if roles[PICKER_MAX:] else ""
    )
    select = StaticSelectElement(
        action_id=action_id,
        placeholder="Pick a role",
        options=[
            Option(text=truncate(name, 75), value=_choice(role_id, extra))
            for role_id, name in shown
        ],
    )
    return message(
        f"Pick a role to {what}",
        [md(f"{said} Pick the role to {what}:{tail}"), ActionsBlock(elements=[select])],
    )


def _choice(role_id: int, extra: str) -> str:
    """The option's value: the role and as much of `extra` as fits Slack's limit."""
    room = OPTION_VALUE_MAX - len(encode(RoleChoice(role=role_id)))
    while True:
        try:
            return encode(RoleChoice(role=role_id, by=extra[:room]), OPTION_VALUE_MAX)
        except ValueError:  # escaped characters ("\"", "\n") take more room
            room -= 1
