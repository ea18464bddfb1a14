"""The panelist's DM: the brief, and the button to give (or edit) feedback."""

from __future__ import annotations

import functools
import json
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement

from bot.codec import RoundRef, encode
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot, Status
from bot.text import date_token, escape, mention
from bot.views import ids
from bot.views.announcement import candidate_line
from bot.views.common import actions, bullet_list, button, context, header, kept, md, message

BRIEF_TIME_FORMAT = "{date_long_pretty} at {time}"


def brief(snapshot: RoundSnapshot, user_id: str) -> Message:
    blocks: list[Block | dict[str, Any]] = [
        header(f"You're on the panel for {snapshot.candidate_name}"),
        md(
            f"{candidate_line(snapshot)}\n"
            f"*When:* {date_token(snapshot.interview_at, BRIEF_TIME_FORMAT)} (your time)\n"
            f"*Feedback due:* {date_token(snapshot.due_at, BRIEF_TIME_FORMAT)}\n"
            f"*Organizer:* {mention(snapshot.organizer_id)}"
        ),
        md("*What to probe*\n" + bullet_list(_probes(snapshot, user_id))),
    ]
    if snapshot.questions:
        blocks.append(
            md(
                "*Round-1 doubts to clarify*\n"
                + bullet_list([escape(q) for _, q in snapshot.questions])
            )
        )
    if snapshot.status == Status.OPEN and snapshot.has_panelist(user_id):
        blocks.append(json.loads(_feedback_actions(snapshot.id, snapshot.submitted(user_id))))
    else:
        blocks.append(brief_footer(snapshot, user_id))
    if snapshot.accepting_feedback:
        focus = (
            "Rate your focus criteria; the others you may rate or mark Not assessed. "
            if snapshot.focus_assigned
            else ""
        )
        blocks.append(
            context(
                f"{focus}Rate what you observed on the 1–4 scale; a Strong yes or Strong no "
                "needs evidence. Nobody sees your feedback until the whole panel has submitted."
            )
        )
    return message(f"You're on the interview panel for {escape(snapshot.candidate_name)}", blocks)


def _probes(snapshot: RoundSnapshot, user_id: str) -> list[str]:
    """Every criterion with what to probe; the panelist's focus areas first, marked."""
    focus = (
        snapshot.focus_of(user_id)
        if snapshot.focus_assigned and snapshot.has_panelist(user_id)
        else ()
    )
    mine = [c for c in snapshot.rubric.criteria if c.key in focus]
    others = [c for c in snapshot.rubric.criteria if c.key not in focus]
    return [f"*{escape(c.name)}* (your focus) — {escape(c.probe)}" for c in mine] + [
        f"*{escape(c.name)}* — {escape(c.probe)}" for c in others
    ]


def brief_footer(snapshot: RoundSnapshot, user_id: str) -> Block:
    if snapshot.status == Status.CANCELLED:
        return md(":no_entry_sign: This round was cancelled; no feedback is needed.")
    if not snapshot.has_panelist(user_id):
        return md("You are no longer on this panel; no feedback is needed.")
    if snapshot.status == Status.CLOSED:
        state = "submitted" if snapshot.submitted(user_id) else "not submitted"
        return md(f":lock: This round is closed (your feedback: {state}).")
    return actions(feedback_button(snapshot.id, snapshot.submitted(user_id)))


@functools.lru_cache(maxsize=1024)
def _feedback_actions(round_id: int, submitted: bool) -> str:
    """An open round's `brief_footer`, kept as JSON: the same in every refresh of the
    panelist's brief until they submit."""
    return kept(actions(feedback_button(round_id, submitted)))


def feedback_button(round_id: int, submitted: bool) -> ButtonElement:
    """Give feedback, or edit it once given: the same action either way."""
    if submitted:
        return button("Edit my feedback", ids.GIVE_FEEDBACK, encode(RoundRef(round_id)))
    return button("Give feedback", ids.GIVE_FEEDBACK, encode(RoundRef(round_id)), style="primary")
