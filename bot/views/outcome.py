"""After a decision to advance: the organizer's outcome modal (the offer, a hire's start
date), and a hire's check-in at 6 and 12 months — the DM that asks, its modal, and the
modal that names who should answer instead. Outcomes are shown only to the person asked:
nothing here is ever posted in a hiring channel."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    RadioButtonsElement,
    UserSelectElement,
)

from bot.codec import CheckIn, CheckInMeta, RoundMeta, RoundRef, encode
from bot.domain.message import Message
from bot.domain.outcome import (
    NOTE_MAX,
    PERFORMANCE,
    CheckInForm,
    Offer,
    OutcomeForm,
    RecordedOutcome,
    offer_of,
)
from bot.domain.panel import RoundSnapshot
from bot.domain.rules import whole_number
from bot.text import escape, mention
from bot.views import ids
from bot.views.announcement import candidate_line
from bot.views.common import actions, button, context, md, message, modal, notice_modal, text_input
from bot.views.state import StateValues, date_value, selected, text_value

STILL_THERE = {"yes": "Yes, still with us", "no": "No, they have left"}


def record_outcome_button(round_id: int) -> Any:
    return button("Record outcome", ids.RECORD_OUTCOME, encode(RoundRef(round_id)))


def day_text(day: date) -> str:
    """A calendar day, such as a start date, as written: not a moment, so no date token
    (Slack would show noon UTC as the next day east of UTC+12)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def outcome_modal(snapshot: RoundSnapshot, existing: RecordedOutcome | None) -> dict[str, Any]:
    options = {o: Option(value=o.value, label=o.label) for o in Offer}
    blocks: list[Block] = [
        md(f"{candidate_line(snapshot)}: what happened after the decision to advance?"),
        InputBlock(
            block_id="offer",
            label="The offer",
            element=RadioButtonsElement(
                action_id="value",
                options=list(options.values()),
                initial_option=options[existing.offer] if existing else None,
            ),
        ),
        InputBlock(
            block_id="start_date",
            label="Start date (for a hire)",
            optional=True,
            hint="Panelbot asks you how they are doing 6 and 12 months after it.",
            element=DatePickerElement(
                action_id="value",
                initial_date=existing.start_date.isoformat()
                if existing and existing.start_date
                else None,
            ),
        ),
        context(
            "Seen only by the role's organizers and workspace admins; it feeds "
            "`/panel validity`, which tells whether the panels' ratings predict how hires do."
        ),
    ]
    return modal(
        ids.OUTCOME, "Outcome", blocks, submit="Save", metadata=RoundMeta(round=snapshot.id)
    )


def parse_outcome(values: StateValues) -> OutcomeForm:
    return OutcomeForm(offer_of(selected(values, "offer")), date_value(values, "start_date"))


def outcome_saved_modal(snapshot: RoundSnapshot, outcome: RecordedOutcome) -> dict[str, Any]:
    text = f"*{escape(snapshot.candidate_name)}*: {outcome.offer.label}."
    if outcome.offer == Offer.ACCEPTED and outcome.start_date:
        text += (
            f" Starting {day_text(outcome.start_date)}: Panelbot will ask you in a DM, 6 and 12 "
            "months after that, how they are doing."
        )
    return notice_modal("Outcome saved", text)


def check_in_message(
    snapshot: RoundSnapshot, months: int, start: date, asked_by: str | None
) -> Message:
    """To the organizer (or whom they named), `months` after the hire's start."""
    who = f"{mention(asked_by)} named you to answer this. " if asked_by else ""
    text = (
        f"{who}{candidate_line(snapshot)} started {day_text(start)}: {months} months on, are they "
        "still with the company, and how are they doing against the role?"
    )
    value = encode(CheckIn(round=snapshot.id, months=months))
    blocks: list[Block] = [
        md(text),
        actions(
            button("Answer", ids.ANSWER_CHECK_IN, value, style="primary"),
            button("Not my report any more", ids.DELEGATE_CHECK_IN, value),
        ),
        context(
            "Your answer is seen only by the role's organizers and workspace admins, and "
            "tells whether the panels' ratings predict how people do."
        ),
    ]
    return message(f"{months}-month check-in: {escape(snapshot.candidate_name)}", blocks)


def check_in_modal(snapshot: RoundSnapshot, months: int) -> dict[str, Any]:
    blocks: list[Block] = [
        md(f"{candidate_line(snapshot)}, {months} months after the start."),
        InputBlock(
            block_id="still_there",
            label="Still with the company?",
            element=RadioButtonsElement(
                action_id="value",
                options=[Option(value=k, label=v) for k, v in STILL_THERE.items()],
            ),
        ),
        InputBlock(
            block_id="rating",
            label="How are they doing against the role?",
            optional=True,
            hint="Four steps, no middle: pick the side they are on.",
            element=RadioButtonsElement(
                action_id="value",
                options=[Option(value=str(k), label=f"{k} {v}") for k, v in PERFORMANCE.items()],
            ),
        ),
        text_input("note", "Note (optional)", NOTE_MAX, optional=True, multiline=True),
    ]
    return modal(
        ids.CHECK_IN,
        f"{months}-month check-in",
        blocks,
        submit="Save",
        metadata=CheckInMeta(round=snapshot.id, months=months),
    )


def parse_check_in(values: StateValues) -> CheckInForm:
    there = selected(values, "still_there")
    rating = whole_number(selected(values, "rating"))
    return CheckInForm(
        still_there={"yes": True, "no": False}.get(there),
        rating=rating if rating in PERFORMANCE else None,
        note=text_value(values, "note"),
    )


def check_in_saved_modal(snapshot: RoundSnapshot, months: int) -> dict[str, Any]:
    return notice_modal(
        "Check-in saved",
        f"Thank you: the {months}-month check-in on *{escape(snapshot.candidate_name)}* is saved.",
    )


def delegate_modal(snapshot: RoundSnapshot, months: int) -> dict[str, Any]:
    blocks: list[Block] = [
        md(f"Who should answer the {months}-month check-in on {candidate_line(snapshot)}?"),
        InputBlock(
            block_id="delegate",
            label="Ask instead",
            element=UserSelectElement(action_id="value"),
        ),
    ]
    return modal(
        ids.CHECK_IN_DELEGATE,
        "Not my report",
        blocks,
        submit="Ask them",
        metadata=CheckInMeta(round=snapshot.id, months=months),
    )


def delegated_modal(snapshot: RoundSnapshot, months: int, user: str) -> dict[str, Any]:
    return notice_modal(
        "Asked",
        f"{mention(user)} is asked the {months}-month check-in on "
        f"*{escape(snapshot.candidate_name)}* in a DM.",
    )
