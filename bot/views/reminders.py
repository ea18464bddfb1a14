"""Reminder DMs: the nudge to a panelist, the heads-up before the interview, the organizer's
escalation, and the notices that follow from them."""

from __future__ import annotations

import re
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject, PlainTextObject

from bot.codec import RoundRef, Snooze, encode
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot, Status
from bot.slack.errors import SlackError
from bot.text import date_token, escape, mention, truncate
from bot.views import ids
from bot.views.announcement import candidate_line
from bot.views.brief import BRIEF_TIME_FORMAT, brief_footer, feedback_button
from bot.views.common import actions, button, context, header, md, message
from bot.views.digest import Line, name_list, pack_lines

SNOOZE_LABEL = "Snooze 2 h"
MENTIONS_SHOWN = 20
CONFIRM_NAME_MAX = 80
WHAT_MAX = 300
# A channel or user mention, as the caller passes `target`; anything else is escaped.
_MENTION = re.compile(r"<[#@][A-Z0-9]+>")


def _name(snapshot: RoundSnapshot) -> str:
    return escape(snapshot.candidate_name)


def _mentions(user_ids: list[str]) -> str:
    return name_list([mention(u) for u in user_ids], MENTIONS_SHOWN)


def nudge_message(snapshot: RoundSnapshot, user_id: str, nudges: int) -> Message:
    """The reminder to a panelist who owes feedback; `nudges` counts the nudges so far."""
    blocks: list[Block] = [
        md(
            f"Your feedback on {candidate_line(snapshot)} is due {date_token(snapshot.due_at)}.\n"
            f"The interview was {date_token(snapshot.interview_at, BRIEF_TIME_FORMAT)}."
        )
    ]
    if (
        snapshot.status == Status.OPEN
        and snapshot.has_panelist(user_id)
        and not snapshot.submitted(user_id)
    ):
        not_attended = button(
            "I didn't attend", ids.NUDGE_NOT_ATTENDED, encode(RoundRef(snapshot.id))
        )
        not_attended.confirm = ConfirmObject(
            title="You didn't attend?",
            text=PlainTextObject(
                text=f"This removes you from the panel for "
                f"{truncate(snapshot.candidate_name, CONFIRM_NAME_MAX)} and tells the organizer."
            ),
            confirm="Remove me",
            deny="Go back",
        )
        snooze = button(SNOOZE_LABEL, ids.NUDGE_SNOOZE, encode(Snooze(round=snapshot.id, n=nudges)))
        blocks.append(actions(feedback_button(snapshot.id, False), not_attended, snooze))
        blocks.append(context("It takes a few minutes; nobody sees it until the panel is done."))
    else:
        blocks.append(brief_footer(snapshot, user_id))
    return message(f"Reminder: your feedback on {_name(snapshot)} is due", blocks)


def pre_interview_message(snapshot: RoundSnapshot) -> Message:
    """The heads-up 30 minutes before the interview."""
    blocks: list[Block] = [
        header(f"Interview soon: {snapshot.candidate_name}"),
        md(
            f"{candidate_line(snapshot)}\n"
            f"*When:* {date_token(snapshot.interview_at, BRIEF_TIME_FORMAT)}\n"
            f"*Feedback due:* {date_token(snapshot.due_at)}"
        ),
    ]
    if snapshot.questions:
        doubts = [Line(f"• {escape(q)}") for _, q in snapshot.questions]
        blocks += [md(t) for t in pack_lines("*Round-1 doubts to probe*", doubts, max_blocks=5)]
    else:
        blocks.append(md("*Round-1 doubts to probe*\nNo round-1 doubts were recorded."))
    probes = [Line(f"• *{escape(c.name)}*: {escape(c.probe)}") for c in snapshot.rubric.criteria]
    blocks += [md(t) for t in pack_lines("*What to probe*", probes, max_blocks=5)]
    return message(f"Your interview with {_name(snapshot)} starts soon", blocks)


def _escalation_text(snapshot: RoundSnapshot) -> str:
    missing = [p.user_id for p in snapshot.missing]
    still = (
        f"still missing from: {_mentions(missing)}"
        if missing
        else "everyone on the panel has now submitted"
    )
    return (
        f"Feedback on {candidate_line(snapshot)} was due {date_token(snapshot.due_at)}; {still}.\n"
        f"*{snapshot.submitted_count} of {len(snapshot.panelists)} submitted*"
    )


def _close_button(snapshot: RoundSnapshot) -> ButtonElement:
    close = button("Close now", ids.CLOSE_ROUND, encode(RoundRef(snapshot.id)), style="danger")
    close.confirm = ConfirmObject(
        title="Close this round now?",
        text="The summary will be partial: it is posted with the feedback that is in, and "
        "the missing panelists are listed.",
        confirm="Close now",
        deny="Keep open",
    )
    return close


def escalation_message(snapshot: RoundSnapshot) -> Message:
    """To the organizer once the due time has passed and feedback is missing."""
    blocks: list[Block] = [md(_escalation_text(snapshot))]
    if snapshot.status == Status.OPEN:
        buttons = [_close_button(snapshot)]
        if snapshot.missing:
            buttons.insert(
                0, button("Nudge them now", ids.NUDGE_NOW, encode(RoundRef(snapshot.id)))
            )
        blocks.append(actions(*buttons))
    return message(f"Feedback on {_name(snapshot)} is overdue", blocks)


def escalation_done_message(snapshot: RoundSnapshot, nudged: list[str]) -> Message:
    """The escalation after "Nudge them now": who was nudged, and Close now while open."""
    done = f"Nudged {_mentions(nudged)}." if nudged else "Nobody was left to nudge."
    blocks: list[Block] = [md(_escalation_text(snapshot)), context(done)]
    if snapshot.status == Status.OPEN:
        blocks.append(actions(_close_button(snapshot)))
    return message(f"Feedback on {_name(snapshot)} is overdue", blocks)


def not_attended_notice(snapshot: RoundSnapshot, user_id: str) -> Message:
    """To the organizer, when a panelist says they weren't there."""
    text = (
        f"{mention(user_id)} says they didn't attend the interview with {candidate_line(snapshot)} "
        "and was removed from the panel."
    )
    return message(f"A panelist left the panel for {_name(snapshot)}", [md(text)])


def not_attended_reply(snapshot: RoundSnapshot) -> Message:
    """Replaces the nudge for the panelist who didn't attend."""
    text = (
        f"Removed you from the panel for {candidate_line(snapshot)}; "
        f"{mention(snapshot.organizer_id)} has been told."
    )
    return message(f"Removed you from the panel for {_name(snapshot)}", [md(text)])


def snoozed_reply(snapshot: RoundSnapshot, until: datetime) -> Message:
    """Replaces the nudge after Snooze; the feedback button stays."""
    blocks: list[Block] = [
        md(
            f"Your feedback on {candidate_line(snapshot)} is due {date_token(snapshot.due_at)}.\n"
            f"I'll remind you again {date_token(until)}."
        )
    ]
    if snapshot.accepting_feedback:
        blocks.append(actions(feedback_button(snapshot.id, False)))
    return message(f"I'll remind you again about {_name(snapshot)}", blocks)


INVITE_HINT = (
    "Invite @Panelbot to the channel (/invite @Panelbot) — new messages will then go through."
)
DEACTIVATED_HINT = "That person's account is deactivated; remove them from the panel."
DELETED_HINT = "The message was deleted, so it can't be updated."
UNDELIVERABLE_HINTS: dict[str, str] = {
    SlackError.CHANNEL_NOT_FOUND: INVITE_HINT,
    SlackError.NOT_IN_CHANNEL: INVITE_HINT,
    SlackError.IS_ARCHIVED: (
        "The channel is archived. Unarchive it, or use another channel for new panels."
    ),
    SlackError.ACCOUNT_INACTIVE: DEACTIVATED_HINT,
    SlackError.USER_NOT_FOUND: DEACTIVATED_HINT,
    SlackError.USER_DISABLED: DEACTIVATED_HINT,
    SlackError.CANNOT_DM_BOT: (
        "That's a bot, and bots can't get direct messages; remove it from the panel."
    ),
    SlackError.MESSAGE_NOT_FOUND: DELETED_HINT,
    SlackError.CANT_UPDATE_MESSAGE: DELETED_HINT,
}
GENERIC_HINT = (
    "Check that Panelbot can still post there; if this keeps happening, pass the error above "
    "to your Slack admin."
)


def undeliverable_notice(what: str, target: str, error: str) -> Message:
    """To the organizer: `what` (raw text, e.g. "the panel announcement for Ada") could not
    be delivered to `target` (a <#C…> or <@U…> mention)."""
    where = target if _MENTION.fullmatch(target) else escape(target)
    code = escape(error.replace("`", "")) or "unknown_error"
    hint = UNDELIVERABLE_HINTS.get(error, GENERIC_HINT)
    thing = escape(truncate(what, WHAT_MAX))
    text = f":warning: I couldn't deliver {thing} to {where}. Slack said `{code}`.\n{hint}"
    return message(f"Couldn't deliver {thing}", [md(text)])
