"""Worst cases of the decision's, the outcome's and the validity report's
builders, for tests/unit/test_views_worst_case.py's WORST: the biggest rubric, every text at its
limit and full of mrkdwn, the most versions and participants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from bot.domain import decision as rules
from bot.domain.calibration import Rated
from bot.domain.decision import DecisionVersion, Outcome
from bot.domain.message import Message
from bot.domain.outcome import Offer, RecordedOutcome
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import summarize
from bot.domain.validity import RoundOutcome, validity_table
from bot.views.decision import (
    decision_message,
    decision_modal,
    decision_nudge_message,
    decision_recorded_modal,
    follow_ups_message,
)
from bot.views.outcome import (
    check_in_message,
    check_in_modal,
    check_in_saved_modal,
    delegate_modal,
    delegated_modal,
    outcome_modal,
    outcome_saved_modal,
)
from bot.views.validity import validity_message
from tests.support.snapshots import NOW, worst_feedback
from tests.support.texts import EVIL

Payload = Message | dict[str, Any]
START = date(2027, 1, 5)


def version(n: int) -> DecisionVersion:
    return DecisionVersion(
        n,
        Outcome.ADVANCE if n % 2 else Outcome.REJECT,
        (EVIL * 60)[: rules.RATIONALE_MAX],
        (EVIL * 20)[: rules.REASON_MAX] if n > 1 else None,
        tuple(f"U{i:08d}" for i in range(rules.MAX_PARTICIPANTS)),
        "UORG",
        NOW,
    )


def worst_validity() -> Iterator[Payload]:
    criteria = [(f"c{i}", (EVIL * 10)[:200]) for i in range(8)]
    rated = [
        Rated(rid, user, "r", {k: 1 + (rid + i) % 4 for i, (k, _) in enumerate(criteria)}, 3)
        for rid in range(1, 41)
        for user in ("U1", "U2")
    ]
    outcomes = {rid: RoundOutcome(advanced=rid % 4 < 2, perf_6m=4 - rid % 4) for rid in range(41)}
    for given in (outcomes, {}):
        yield validity_message((EVIL * 5)[:100], validity_table(criteria, rated, given), chart=True)


def worst(rounds: Callable[[], Iterator[RoundSnapshot]]) -> dict[str, Callable[[], Iterator[Any]]]:
    """`rounds`: every kind of round at its worst (the worst-case module's)."""

    def decisions() -> Iterator[Payload]:
        for r in rounds():
            s = summarize(r.rubric, worst_feedback(r), list(r.questions))
            yield decision_modal(r, s, [])
            yield decision_modal(r, s, [version(n) for n in range(1, 41)])

    def messages() -> Iterator[Payload]:
        for r in rounds():
            s = summarize(r.rubric, worst_feedback(r), list(r.questions))
            yield decision_message(r, version(2), version(1), s)
            yield decision_message(r, version(1), None, s)

    def summaries(build: Callable[[RoundSnapshot, Any], Payload]) -> Iterator[Payload]:
        for r in rounds():
            yield build(r, summarize(r.rubric, worst_feedback(r), list(r.questions)))

    hired = RecordedOutcome(Offer.ACCEPTED, START, "UORG", NOW)
    return {
        "decision.decision_modal": decisions,
        "decision.decision_message": messages,
        "decision.decision_recorded_modal": lambda: (
            decision_recorded_modal(r, version(n), 30) for r in rounds() for n in (1, 2)
        ),
        "decision.follow_ups_message": lambda: summaries(
            lambda r, s: follow_ups_message(r, s, version(1))
        ),
        "decision.decision_nudge_message": lambda: (
            decision_nudge_message(r, NOW) for r in rounds()
        ),
        "outcome.outcome_modal": lambda: (
            outcome_modal(r, o) for r in rounds() for o in (None, hired)
        ),
        "outcome.outcome_saved_modal": lambda: (outcome_saved_modal(r, hired) for r in rounds()),
        "outcome.check_in_message": lambda: (
            check_in_message(r, 12, START, u) for r in rounds() for u in (None, "U12345678901")
        ),
        "outcome.check_in_modal": lambda: (check_in_modal(r, 12) for r in rounds()),
        "outcome.check_in_saved_modal": lambda: (check_in_saved_modal(r, 12) for r in rounds()),
        "outcome.delegate_modal": lambda: (delegate_modal(r, 12) for r in rounds()),
        "outcome.delegated_modal": lambda: (delegated_modal(r, 12, "U1") for r in rounds()),
        "validity.validity_message": worst_validity,
    }
