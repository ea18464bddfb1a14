"""The hiring decision a panel's organizer records after the debrief, and the rule that
makes a decision against the mechanical aggregate explain itself. Pure: no Slack, no SQL.

Mechanical combination of ratings beats combining them by discussion (Conway, Jako &
Goodman 1995), so the aggregate is the default; the team may decide otherwise, but then it
must say why in terms of the evidence. The rule is deliberately simple and is shown to the
organizer in full: a rationale that goes against the aggregate must be at least
AGAINST_MIN_CHARS long and name at least one criterion by a word of its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.rubric import Rubric
from bot.domain.rules import blank
from bot.domain.schedule import SATURDAY, next_allowed, zone
from bot.domain.stats import PanelSummary


class Outcome(StrEnum):
    ADVANCE = "advance"
    ANOTHER_INTERVIEW = "another_interview"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ADVANCE: "Advance (to offer)",
    Outcome.ANOTHER_INTERVIEW: "Another interview",
    Outcome.HOLD: "Hold",
    Outcome.REJECT: "Reject",
}

# Advancing below this overall, or over a Strong no, goes against the aggregate; so does
# rejecting at or above REJECT_FROM.
ADVANCE_BELOW = 2.5
REJECT_FROM = 3.0
AGAINST_MIN_CHARS = 80
RATIONALE_MAX = 2000
REASON_MAX = 500
MAX_PARTICIPANTS = 30
# A finished round without a decision nudges its organizer this many business days after
# the summary, then once every business day.
NUDGE_AFTER_BUSINESS_DAYS = 2
# Words too common in any rationale to show it engages with a criterion.
GENERIC_WORDS = frozenset(
    {"candidate", "candidates", "role", "round", "specific", "with", "their", "about"}
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def outcome_of(raw: str) -> Outcome | None:
    try:
        return Outcome(raw)
    except ValueError:
        return None


def outcome_label(raw: str | None) -> str:
    found = outcome_of(raw or "")
    return found.label if found else (raw or "")


@dataclass(frozen=True)
class DecisionVersion:
    """One recorded version, as views show it."""

    version: int
    outcome: Outcome
    rationale: str
    change_reason: str | None
    participants: tuple[str, ...]
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class DecisionForm:
    """What the organizer submitted; `outcome` None when nothing (valid) was picked."""

    outcome: Outcome | None
    rationale: str
    participants: tuple[str, ...]
    change_reason: str


def against_aggregate(outcome: Outcome, summary: PanelSummary) -> list[str]:
    """Why `outcome` goes against the panel's aggregate, with the numbers (empty: it
    doesn't). Only Advance and Reject can: the other outcomes defer the decision."""
    overall = summary.overall
    reasons = []
    if outcome == Outcome.ADVANCE:
        if overall is not None and overall < ADVANCE_BELOW:
            reasons.append(f"the overall score is {overall:.1f} / 4, under {ADVANCE_BELOW}")
        if summary.strong_no_from:
            names = ", ".join(summary.strong_no_from)
            reasons.append(f"there is a Strong no (from {names})")
    elif outcome == Outcome.REJECT and overall is not None and overall >= REJECT_FROM:
        reasons.append(f"the overall score is {overall:.1f} / 4, {REJECT_FROM} or more")
    return reasons


def criterion_words(rubric: Rubric) -> list[str]:
    """The words that name a criterion in a rationale: each word of 4+ letters of a
    criterion's name, lower case, without the generic ones, in rubric order."""
    found: dict[str, None] = {}
    for criterion in rubric.criteria:
        for word in _WORD.findall(criterion.name.casefold()):
            word = word.removesuffix("'s")
            if len(word) >= 4 and word not in GENERIC_WORDS:
                found[word] = None
    return list(found)


def engages_with_evidence(rationale: str, rubric: Rubric) -> bool:
    """Long enough, and names a criterion (a word of its name, in any case)."""
    if len(rationale.strip()) < AGAINST_MIN_CHARS:
        return False
    said = {w.removesuffix("'s") for w in _WORD.findall(rationale.casefold())}
    return any(word in said for word in criterion_words(rubric))


def engage_rule(rubric: Rubric) -> str:
    """The rule, as the modal and its error say it."""
    words = ", ".join(criterion_words(rubric)[:8])
    return (
        f"say why in at least {AGAINST_MIN_CHARS} characters and name at least one criterion "
        f"(a word of its name is enough: {words})"
    )


def decision_errors(
    form: DecisionForm, summary: PanelSummary, rubric: Rubric, *, changing: bool
) -> dict[str, str]:
    """Block id → what is wrong, every problem at once."""
    errors: dict[str, str] = {}
    if form.outcome is None:
        errors["outcome"] = "Pick the decision."
    if blank(form.rationale):
        errors["rationale"] = "Say why: the rationale is kept with the decision."
    elif len(form.rationale) > RATIONALE_MAX:
        errors["rationale"] = f"Keep the rationale under {RATIONALE_MAX} characters."
    elif (
        form.outcome is not None
        and (reasons := against_aggregate(form.outcome, summary))
        and not engages_with_evidence(form.rationale, rubric)
    ):
        errors["rationale"] = (
            f"{form.outcome.label} goes against the panel's aggregate: "
            f"{'; '.join(reasons)}. To decide so, {engage_rule(rubric)}."
        )
    if not form.participants:
        errors["participants"] = "Pick who took part in the debrief."
    elif len(form.participants) > MAX_PARTICIPANTS:
        errors["participants"] = f"Pick at most {MAX_PARTICIPANTS} people."
    if changing:
        if blank(form.change_reason):
            errors["change_reason"] = "Say why the decision changes: every version is kept."
        elif len(form.change_reason) > REASON_MAX:
            errors["change_reason"] = f"Keep the reason under {REASON_MAX} characters."
    return errors


# -- when an undecided round nudges its organizer --------------------------------------------
def business_days_later(at: datetime, days: int, tz_name: str | None) -> datetime:
    """The same local time of day `days` weekdays (Monday to Friday, in `tz_name`) later."""
    tz = zone(tz_name)
    local = at.astimezone(tz)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += day.weekday() < SATURDAY
    return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)


def first_decision_nudge(finished_at: datetime, tz_name: str | None) -> datetime:
    """Two business days after the summary, outside the organizer's quiet hours."""
    later = business_days_later(finished_at, NUDGE_AFTER_BUSINESS_DAYS, tz_name)
    return next_allowed(later, tz_name)


def next_decision_nudge(now: datetime, tz_name: str | None) -> datetime:
    """The next business day, outside the organizer's quiet hours."""
    return next_allowed(business_days_later(now, 1, tz_name), tz_name)
