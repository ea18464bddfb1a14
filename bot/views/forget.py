"""`/panel forget <candidate>`: the placeholder while Panelbot looks, the confirmation that
lists what will be erased, and the report of what was."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.codec import ForgetMeta
from bot.domain.erasure import ErasableRound, Erased, ErasurePlan
from bot.text import date_token, escape
from bot.views import ids
from bot.views.common import MODAL_BLOCKS_MAX, bullet_list, context, md, modal, notice_modal
from bot.views.digest import Line, pack_lines

TITLE = "Erase a candidate"
STARTED_FORMAT = "{date_short_pretty}"
# Slack refuses a view over 250 kB: the rounds listed stay well inside it (escaped names can
# make a line five times longer); the rest are counted ("…and N more rounds") and erased
# all the same.
ROUNDS_TEXT_BUDGET = 150_000


def looking_up_modal(candidate: str) -> dict[str, Any]:
    """Opened at once (a trigger_id lives 3 s); the confirmation replaces it."""
    return notice_modal(TITLE, f"Looking up what Panelbot holds about *{escape(candidate)}*…")


def round_line(erasable: ErasableRound) -> str:
    panelists = f"{erasable.panelists} panelist{'' if erasable.panelists == 1 else 's'}"
    return (
        f"• *{escape(erasable.role_name)}* — "
        f"started {date_token(erasable.started_at, STARTED_FORMAT)}, "
        f"{erasable.status} · {panelists} · {erasable.feedback} feedback"
    )


def forget_modal(plan: ErasurePlan) -> dict[str, Any]:
    name = escape(plan.candidate)
    count = len(plan.rounds)
    sections = pack_lines(
        f":warning: *This erases {name} from Panelbot for good. It cannot be undone.*\n"
        f"Panelbot holds {count} panel round{'' if count == 1 else 's'} about them:",
        [Line(round_line(r)) for r in plan.rounds],
        max_blocks=MODAL_BLOCKS_MAX - 2,  # the closing section and context
        max_chars=ROUNDS_TEXT_BUDGET,
    )
    messages = (
        f"and Panelbot's {plan.messages} message{'' if plan.messages == 1 else 's'} about "
        "them in Slack (the announcement and summary in the hiring channel, the briefs "
        "and reminders in DMs)"
        if plan.messages
        else "and the records of Panelbot's messages about them"
    )
    blocks: list[Block] = [md(text) for text in sections]
    blocks.append(
        md(
            "Erasing deletes these rounds with every panelist's ratings, notes and "
            f"recommendation, the decision and its earlier versions, the reminders still due, "
            f"{messages}."
        )
    )
    blocks.append(
        context("Files already exported (CSV, JSON) and copies people made are not touched.")
    )
    return modal(
        ids.FORGET,
        TITLE,
        blocks,
        submit="Erase for good",
        close="Cancel",
        metadata=ForgetMeta(candidate=plan.candidate, up_to=plan.up_to),
    )


def erased_modal(erased: Erased) -> dict[str, Any]:
    name = escape(erased.candidate)
    if erased.nothing:
        return notice_modal(
            TITLE, f"There is nothing left to erase about *{name}*: it was already erased."
        )
    text = f":white_check_mark: Erased *{name}* from Panelbot:\n{bullet_list(erased.parts())}"
    if erased.messages:
        text += "\nThe Slack messages disappear within a minute or so."
    return notice_modal("Candidate erased", text)
