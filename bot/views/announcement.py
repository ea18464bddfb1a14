"""The hiring-channel announcement: who, when, who has submitted (never what)."""

from __future__ import annotations

import functools
import json
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject

from bot.codec import RoundRef, encode
from bot.domain.decision import outcome_label
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot, Status
from bot.text import date_token, escape, mention
from bot.views import ids
from bot.views.common import actions, button, context, header, kept, md, message


def candidate_line(snapshot: RoundSnapshot) -> str:
    name = escape(snapshot.candidate_name)
    if snapshot.profile_link:
        # The link is validated as http(s) and escaped; the label is the escaped name.
        name = f"<{escape(snapshot.profile_link)}|{name}>"
    return f"*{name}* for *{escape(snapshot.role_name)}*"


def progress_line(snapshot: RoundSnapshot) -> str:
    done = ", ".join(mention(p.user_id) for p in snapshot.panelists if p.submitted) or "nobody yet"
    return f"*{snapshot.submitted_count} of {len(snapshot.panelists)} submitted* · in: {done}"


def decision_button(snapshot: RoundSnapshot) -> ButtonElement:
    """On the summary (and the organizer's nudge): record it, or change it once recorded."""
    if snapshot.decision:
        return button("Change decision", ids.RECORD_DECISION, encode(RoundRef(snapshot.id)))
    return button(
        "Record decision", ids.RECORD_DECISION, encode(RoundRef(snapshot.id)), style="primary"
    )


def decision_line(snapshot: RoundSnapshot) -> str | None:
    """The announcement's line about the decision, once there is one."""
    if not snapshot.decision:
        return None
    when = f" · {date_token(snapshot.decided_at)}" if snapshot.decided_at else ""
    return f":scales: *Decision:* {escape(outcome_label(snapshot.decision))}{when} — see the thread"


STATUS_LINE = {
    Status.OPEN: ":hourglass_flowing_sand: Collecting feedback — sealed until everyone has "
    "submitted.",
    Status.COMPLETE: ":white_check_mark: Complete — the summary is in the thread.",
    Status.CLOSED: ":lock: Closed — the summary is in the thread.",
    Status.CANCELLED: ":no_entry_sign: Cancelled.",
}


def announcement(snapshot: RoundSnapshot) -> Message:
    blocks: list[Block | dict[str, Any]] = [
        header(f"Second-round panel: {snapshot.candidate_name}"),
        md(candidate_line(snapshot)),
        md(
            f"*Interview:* {date_token(snapshot.interview_at)}\n"
            f"*Feedback due:* {date_token(snapshot.due_at)}\n"
            f"*Organizer:* {mention(snapshot.organizer_id)}\n"
            f"*Panel:* {', '.join(mention(p.user_id) for p in snapshot.panelists)}"
        ),
        md(progress_line(snapshot)),
        context(STATUS_LINE.get(snapshot.status, snapshot.status)),
    ]
    if decided := decision_line(snapshot):
        blocks.append(md(decided))
    if snapshot.status == Status.OPEN:
        focus_areas = snapshot.focus_assigned and snapshot.submitted_count == 0
        blocks.append(json.loads(_organizer_controls(snapshot.id, focus_areas)))
    elif snapshot.status == Status.COMPLETE:
        blocks.append(
            actions(button("Close round", ids.CLOSE_ROUND, encode(RoundRef(snapshot.id))))
        )
    text = (
        f"Panel for {escape(snapshot.candidate_name)} ({escape(snapshot.role_name)}): "
        f"{snapshot.submitted_count} of {len(snapshot.panelists)} submitted"
    )
    return message(text, blocks)


@functools.lru_cache(maxsize=1024)
def _organizer_controls(round_id: int, focus_areas: bool) -> str:
    """`organizer_controls`, kept as JSON: the same in every refresh of an open round (the
    Focus areas button goes with its first feedback), and slack_sdk's to_dict of its four
    buttons and two confirmations was over half of an announcement's rendering."""
    return kept(organizer_controls(round_id, focus_areas))


def organizer_controls(round_id: int, focus_areas: bool) -> Block:
    """`focus_areas`: the Focus areas button, offered while no feedback is in (the areas
    are fixed once feedback comes in)."""
    close = button("Close now", ids.CLOSE_ROUND, encode(RoundRef(round_id)))
    close.confirm = ConfirmObject(
        title="Close this round?",
        text="The summary is posted with the feedback that is in; missing panelists are listed.",
        confirm="Close now",
        deny="Keep open",
    )
    cancel = button("Cancel round", ids.CANCEL_ROUND, encode(RoundRef(round_id)), style="danger")
    cancel.confirm = ConfirmObject(
        title="Cancel this round?",
        text="Panelists are told no feedback is needed. Feedback given so far stays sealed.",
        confirm="Cancel round",
        deny="Keep it",
    )
    buttons = [button("Add / remove panelist", ids.EDIT_PANELISTS, encode(RoundRef(round_id)))]
    if focus_areas:
        buttons.append(button("Focus areas", ids.FOCUS_AREAS, encode(RoundRef(round_id))))
    return actions(*buttons, close, cancel)
