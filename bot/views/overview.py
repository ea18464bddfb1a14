""" "Where am I?": the same picture for /panel status (ephemeral) and the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from bot.domain.decision import outcome_label
from bot.domain.message import Message
from bot.domain.overview import Overview
from bot.domain.panel import RoundSnapshot, Status
from bot.text import date_token, escape, mention
from bot.views import ids
from bot.views.announcement import decision_button
from bot.views.brief import feedback_button
from bot.views.common import button, context, header, md, message

MAX_ITEMS_PER_GROUP = 10


def _round_line(snapshot: RoundSnapshot) -> str:
    return (
        f"*{escape(snapshot.candidate_name)}* · {escape(snapshot.role_name)} · "
        f"{date_token(snapshot.interview_at)}"
    )


def _progress(snapshot: RoundSnapshot) -> str:
    if snapshot.status == Status.COMPLETE:
        return "complete — summary posted"
    missing = ", ".join(mention(p.user_id) for p in snapshot.missing)
    waiting = f" · waiting for {missing}" if missing else ""
    return f"{snapshot.submitted_count} of {len(snapshot.panelists)} submitted{waiting}"


def overview_blocks(overview: Overview) -> list[Block]:
    blocks: list[Block] = []
    if overview.owed:
        blocks.append(md(f"*Waiting for your feedback ({len(overview.owed)})*"))
        for r in overview.owed[:MAX_ITEMS_PER_GROUP]:
            blocks.append(
                md(
                    f"{_round_line(r)}\nDue {date_token(r.due_at)}",
                    accessory=feedback_button(r.id, submitted=False),
                )
            )
    else:
        blocks.append(md(":white_check_mark: You owe no feedback."))
    if overview.editable:
        blocks.append(md("*Your submitted feedback* (editable until the round closes)"))
        for r in overview.editable[:MAX_ITEMS_PER_GROUP]:
            blocks.append(md(_round_line(r), accessory=feedback_button(r.id, submitted=True)))
    if overview.organized:
        blocks.append(md(f"*Rounds you organize ({len(overview.organized)})*"))
        for r in overview.organized[:MAX_ITEMS_PER_GROUP]:
            blocks.append(md(f"{_round_line(r)}\n{_progress(r)} · in <#{r.channel_id}>"))
    if overview.awaiting_decision:
        blocks.append(md(f"*Awaiting your decision ({len(overview.awaiting_decision)})*"))
        for r in overview.awaiting_decision[:MAX_ITEMS_PER_GROUP]:
            blocks.append(
                md(
                    f"{_round_line(r)}\nSummary in <#{r.channel_id}>",
                    accessory=decision_button(r),
                )
            )
    if overview.decided:
        blocks.append(md("*Decided recently*"))
        for r in overview.decided[:MAX_ITEMS_PER_GROUP]:
            when = f" · {date_token(r.decided_at)}" if r.decided_at else ""
            blocks.append(
                md(
                    f"{_round_line(r)}\n*{escape(outcome_label(r.decision))}*{when}",
                    accessory=decision_button(r),
                )
            )
    groups = (
        overview.owed,
        overview.editable,
        overview.organized,
        overview.awaiting_decision,
        overview.decided,
    )
    hidden = sum(max(0, len(g) - MAX_ITEMS_PER_GROUP) for g in groups)
    if hidden:
        blocks.append(context(f"…and {hidden} more."))
    return blocks


def status_message(overview: Overview) -> Message:
    blocks: list[Block] = (
        overview_blocks(overview)
        if overview.anything
        else [md("You have no open panels. Start one with `/panel new`.")]
    )
    return message(f"You owe feedback on {len(overview.owed)} panel(s).", blocks)


def home_view(overview: Overview) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Panelbot"),
        context("Second-round panels: structured feedback, sealed until the panel is complete."),
        md(" ", accessory=button("Start a panel", ids.OPEN_NEW_PANEL, "new", style="primary")),
        DividerBlock(),
        *overview_blocks(overview),
    ]
    result: dict[str, Any] = View(type="home", blocks=blocks).to_dict()
    return result
