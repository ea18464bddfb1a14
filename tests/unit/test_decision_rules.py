"""The decision's rules (bot/domain/decision.py): when a decision goes against the panel's
aggregate, and what a rationale must say then."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.decision import (
    AGAINST_MIN_CHARS,
    RATIONALE_MAX,
    REASON_MAX,
    DecisionForm,
    DecisionVersion,
    Outcome,
    against_aggregate,
    criterion_words,
    decision_errors,
    engages_with_evidence,
)
from bot.domain.feedback import FeedbackDraft, PanelistFeedback, Rating
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import PanelSummary, summarize
from bot.views.decision import decision_message, decision_modal
from tests.slack.blockkit import block_errors, view_errors
from tests.support.snapshots import worst_feedback, worst_round
from tests.support.texts import EVIL, no_raw_mentions

LONG = "x" * AGAINST_MIN_CHARS


def panel(*given: tuple[int, int]) -> PanelSummary:
    """(rating on every criterion, recommendation) per panelist."""
    feedback = [
        PanelistFeedback(
            f"U{i}",
            f"Panelist {i}",
            FeedbackDraft(
                tuple(Rating(c.key, rating, "seen") for c in SECOND_INTERVIEW.criteria), rec
            ),
        )
        for i, (rating, rec) in enumerate(given)
    ]
    return summarize(SECOND_INTERVIEW, feedback, [])


@pytest.mark.parametrize(
    ("outcome", "given", "against"),
    [
        (Outcome.ADVANCE, [(3, 3), (3, 3)], []),
        (Outcome.ADVANCE, [(2, 2), (2, 3)], ["the overall score is 2.0 / 4, under 2.5"]),
        (Outcome.ADVANCE, [(3, 3), (3, 1)], ["there is a Strong no (from Panelist 1)"]),
        (Outcome.REJECT, [(2, 2), (2, 2)], []),
        (Outcome.REJECT, [(3, 3), (3, 3)], ["the overall score is 3.0 / 4, 3.0 or more"]),
        (Outcome.HOLD, [(4, 4), (1, 1)], []),
        (Outcome.ANOTHER_INTERVIEW, [(1, 1)], []),
    ],
)
def test_against_the_aggregate(
    outcome: Outcome, given: list[tuple[int, int]], against: list[str]
) -> None:
    assert against_aggregate(outcome, panel(*given)) == against


def test_a_rationale_engages_when_long_enough_and_naming_a_criterion() -> None:
    words = criterion_words(SECOND_INTERVIEW)
    assert words[:3] == ["depth", "skills", "experience"]
    assert "candidate" not in words and "role" not in words  # too generic to count
    assert not engages_with_evidence("Depth was fine.", SECOND_INTERVIEW)
    assert not engages_with_evidence(LONG + " we all liked them", SECOND_INTERVIEW)
    assert engages_with_evidence(LONG + " the SCENARIO showed it", SECOND_INTERVIEW)
    assert engages_with_evidence("Their motivation's clear: " + LONG, SECOND_INTERVIEW)


def test_errors_say_what_is_missing_at_once() -> None:
    summary = panel((2, 1), (2, 2))
    form = DecisionForm(Outcome.ADVANCE, "Gut feeling.", (), "")
    errors = decision_errors(form, summary, SECOND_INTERVIEW, changing=True)
    assert set(errors) == {"rationale", "participants", "change_reason"}
    assert errors["rationale"].startswith(
        "Advance (to offer) goes against the panel's aggregate: the overall score is 2.0 / 4, "
        "under 2.5; there is a Strong no (from Panelist 0). To decide so, say why in at least "
        "80 characters and name at least one criterion"
    )
    ok = DecisionForm(Outcome.REJECT, "Gut feeling.", ("U1",), "")
    assert decision_errors(ok, summary, SECOND_INTERVIEW, changing=False) == {}
    none = DecisionForm(None, " \u200b", ("U1",), "")
    assert set(decision_errors(none, summary, SECOND_INTERVIEW, changing=False)) == {
        "outcome",
        "rationale",
    }


def test_the_decision_modal_and_message_at_their_worst() -> None:
    """Thirty versions with the longest hostile rationales and reasons, twelve hostile
    panelists: the modal and each message stay within what Slack accepts, escaped."""
    r = worst_round()
    fb = worst_feedback(r)
    s = summarize(r.rubric, fb, list(r.questions))
    versions = [
        DecisionVersion(
            n,
            list(Outcome)[n % 4],
            (EVIL * 100)[:RATIONALE_MAX],
            (EVIL * 30)[:REASON_MAX] if n > 1 else None,
            tuple(f"U{i:02d}" for i in range(30)),
            "UORG",
            datetime(2026, 12, 1, tzinfo=UTC),
        )
        for n in range(1, 31)
    ]
    view = decision_modal(r, s, versions)
    assert view_errors(view) == []
    no_raw_mentions(view)
    assert "…and 10 earlier (every version is in the thread)" in str(view)
    m = decision_message(r, versions[-1], versions[-2], s)
    assert block_errors(m.blocks, limit=50) == []
    no_raw_mentions(m.blocks)
