"""The hiring-channel announcement: who, when, who has submitted (never what)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject

from bot.codec import RoundRef, encode
from bot.domain.decision import outcome_label
from bot.domain.panel import RoundSnapshot, Status
from bot.text import date_token, escape, mention
from bot.views import ids
from bot.views.common import Message, actions, button, context, header, md, message


def candidate_line(r: RoundSnapshot) -> str:
    name = escape(r.candidate_name)
    if r.profile_link:
        # The link is validated as http(s) and escaped; the label is the escaped name.
        name = f"<{escape(r.profile_link)}|{name}>"
    return f"*{name}* for *{escape(r.role_name)}*"


def progress_line(r: RoundSnapshot) -> str:
    done = ", ".join(mention(p.user_id) for p in r.panelists if p.submitted) or "nobody yet"
    return f"*{r.submitted_count} of {len(r.panelists)} submitted* · in: {done}"


def decision_button(r: RoundSnapshot) -> ButtonElement:
    """On the summary (and the organizer's nudge): record it, or change it once recorded."""
    if r.decision:
        return button("Change decision", ids.RECORD_DECISION, encode(RoundRef(r.id)))
    return button("Record decision", ids.RECORD_DECISION, encode(RoundRef(r.id)), style="primary")


def decision_line(r: RoundSnapshot) -> str | None:
    """The announcement's line about the decision, once there is one."""
    if not r.decision:
        return None
    when = f" · {date_token(r.decided_at)}" if r.decided_at else ""
    return f":scales: *Decision:* {escape(outcome_label(r.decision))}{when} — see the thread"


STATUS_LINE = {
    Status.OPEN: ":hourglass_flowing_sand: Collecting feedback — sealed until everyone has "
    "submitted.",
    Status.COMPLETE: ":white_check_mark: Complete — the summary is in the thread.",
    Status.CLOSED: ":lock: Closed — the summary is in the thread.",
    Status.CANCELLED: ":no_entry_sign: Cancelled.",
}


def announcement(r: RoundSnapshot) -> Message:
    blocks: list[Block] = [
        header(f"Second-round panel: {r.candidate_name}"),
        md(candidate_line(r)),
        md(
            f"*Interview:* {date_token(r.interview_at)}\n"
            f"*Feedback due:* {date_token(r.due_at)}\n"
            f"*Organizer:* {mention(r.organizer_id)}\n"
            f"*Panel:* {', '.join(mention(p.user_id) for p in r.panelists)}"
        ),
        md(progress_line(r)),
        context(STATUS_LINE.get(r.status, r.status)),
    ]
    if decided := decision_line(r):
        blocks.append(md(decided))
    if r.status == Status.OPEN:
        blocks.append(organizer_controls(r))
    elif r.status == Status.COMPLETE:
        blocks.append(actions(button("Close round", ids.CLOSE_ROUND, encode(RoundRef(r.id)))))
    text = (
        f"Panel for {escape(r.candidate_name)} ({escape(r.role_name)}): "
        f"{r.submitted_count} of {len(r.panelists)} submitted"
    )
    return message(text, blocks)


def organizer_controls(r: RoundSnapshot) -> Block:
    close = button("Close now", ids.CLOSE_ROUND, encode(RoundRef(r.id)))
    close.confirm = ConfirmObject(
        title="Close this round?",
        text="The summary is posted with the feedback that is in; missing panelists are listed.",
        confirm="Close now",
        deny="Keep open",
    )
    cancel = button("Cancel round", ids.CANCEL_ROUND, encode(RoundRef(r.id)), style="danger")
    cancel.confirm = ConfirmObject(
        title="Cancel this round?",
        text="Panelists are told no feedback is needed. Feedback given so far stays sealed.",
        confirm="Cancel round",
        deny="Keep it",
    )
    buttons = [button("Add / remove panelist", ids.EDIT_PANELISTS, encode(RoundRef(r.id)))]
    if r.focus_assigned and r.submitted_count == 0:  # fixed once feedback comes in
        buttons.append(button("Focus areas", ids.FOCUS_AREAS, encode(RoundRef(r.id))))
    return actions(*buttons, close, cancel)
