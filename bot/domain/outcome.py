"""What happened after a decision to advance: the offer, a hire's start date, and the
check-ins 6 and 12 months after the start (still there? how they are doing against the role,
on a four-step anchored scale with no neutral point, like the ratings). Pure: no Slack, no SQL.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.rules import blank
from bot.domain.schedule import zone

CHECK_IN_MONTHS = (6, 12)
NO_SUCH_CHECK_IN = "There is no such check-in."
NOTE_MAX = 1000
# The check-in is asked at this local time of the organizer's on the day it falls due.
ASK_AT = time(10, 0)
# A start date this far from the day it is recorded is a typo, not a plan.
START_WITHIN = timedelta(days=2 * 366)

PERFORMANCE: dict[int, str] = {
    1: "Well below what the role needs",
    2: "Below what the role needs",
    3: "Meets what the role needs",
    4: "Well above what the role needs",
}


class Offer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "accepted": "Offer accepted (hired)",
            "declined": "Offer declined",
            "withdrawn": "Offer withdrawn",
        }[self.value]


def offer_of(raw: str) -> Offer | None:
    try:
        return Offer(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class OutcomeForm:
    offer: Offer | None
    start_date: date | None


@dataclass(frozen=True)
class RecordedOutcome:
    """A round's outcome as views show it."""

    offer: Offer
    start_date: date | None
    recorded_by: str
    recorded_at: datetime


def outcome_errors(form: OutcomeForm, today: date) -> dict[str, str]:
    """Block id → what is wrong, every problem at once."""
    errors: dict[str, str] = {}
    if form.offer is None:
        errors["offer"] = "Pick what happened to the offer."
    elif form.offer == Offer.ACCEPTED:
        if form.start_date is None:
            errors["start_date"] = "Give the start date: the check-ins count from it."
        elif abs(form.start_date - today) > START_WITHIN:
            errors["start_date"] = "That start date is more than two years away: check the year."
    return errors


def months_later(day: date, months: int) -> date:
    """The same day of the month `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_in_at(start: date, months: int, tz_name: str | None) -> datetime:
    """When to ask: ASK_AT in the organizer's zone, `months` after the start (UTC)."""
    local = datetime.combine(months_later(start, months), ASK_AT, tzinfo=zone(tz_name))
    return local.astimezone(UTC)


@dataclass(frozen=True)
class CheckInForm:
    still_there: bool | None
    rating: int | None
    note: str


def check_in_errors(form: CheckInForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.still_there is None:
        errors["still_there"] = "Say whether they are still with the company."
    elif form.still_there and form.rating is None:
        errors["rating"] = "Rate how they are doing against the role."
    if not blank(form.note) and len(form.note) > NOTE_MAX:
        errors["note"] = f"Keep the note under {NOTE_MAX} characters."
    return errors


@dataclass(frozen=True)
class CheckInFacts:
    months: int
    asked_user: str
    still_there: bool | None
    rating: int | None
    note: str | None
    answered_by: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class OutcomeFacts:
    """A round's outcome and its check-ins, as the export takes them."""

    offer: Offer
    start_date: date | None
    check_ins: tuple[CheckInFacts, ...] = ()

    def check_in(self, months: int) -> CheckInFacts | None:
        return next((c for c in self.check_ins if c.months == months), None)
