"""Comparison, calibration and themes against hand-computed values. Pure: no Slack, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.calibration import (
    MIN_ROUNDS,
    Interviewer,
    Rated,
    adjusted,
    agreement,
    calibrate,
)
from bot.domain.comparison import FinishedPanel, build_comparison, rated_of
from bot.domain.feedback import (
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
)
from bot.domain.panel import PanelistState, Status
from bot.domain.rubric import SECOND_INTERVIEW, Criterion, Rubric
from bot.domain.themes import count_themes, questions_of, themes_of
from tests.support.comparisons import rated
from tests.support.snapshots import snapshot

DAY0 = datetime(2026, 11, 2, 17, tzinfo=UTC)


def rubric(*keys: str, key: str = "eng", version: int = 1) -> Rubric:
    return Rubric(
        key=key,
        name=key.title(),
        criteria=tuple(Criterion(k, k.upper(), "probe", ("1", "2", "3", "4")) for k in keys),
        version=version,
    )


RUBRIC = rubric("a", "b")


def fb(
    user: str,
    ratings: dict[str, int],
    rec: int,
    *,
    asked: str = "",
    answers: tuple[QuestionAnswer, ...] = (),
) -> PanelistFeedback:
    draft = FeedbackDraft(
        ratings=tuple(Rating(k, r) for k, r in ratings.items()),
        recommendation=rec,
        question_answers=answers,
        candidate_questions=asked,
    )
    return PanelistFeedback(user_id=f"U{user}", display_name=user, draft=draft)


def panel(
    round_id: int,
    day: int,
    *feedback: PanelistFeedback,
    on: Rubric = RUBRIC,
    status: str = Status.COMPLETE,
    missing: tuple[str, ...] = (),
    questions: tuple[tuple[int, str], ...] = (),
) -> FinishedPanel:
    panelists = tuple(PanelistState(f.user_id, f.display_name, True) for f in feedback) + tuple(
        PanelistState(f"U{m}", m, False) for m in missing
    )
    finished = snapshot(
        id=round_id,
        candidate_name=f"Candidate {round_id}",
        interview_at=DAY0 + timedelta(days=day - 1),
        due_at=DAY0 + timedelta(days=day),
        rubric=on,
        status=status,
        questions=questions,
        panelists=panelists,
    )
    return FinishedPanel(finished, tuple(feedback), DAY0 + timedelta(days=day))


# --- calibration -----------------------------------------------------------------------------

HISTORY = [
    # Round 1: three panelists; A also rated "c", which nobody else did.
    rated(1, "A", {"a": 4, "b": 3, "c": 4}, 4),
    rated(1, "B", {"a": 3, "b": 3}, 3),
    rated(1, "C", {"a": 2, "b": 3}, 2),
    # Round 2: A and B.
    rated(2, "A", {"a": 4, "b": 4}, 3),
    rated(2, "B", {"a": 3, "b": 2}, 2),
    # Round 3: B and C.
    rated(3, "B", {"a": 2, "b": 1}, 1),
    rated(3, "C", {"a": 2, "b": 3}, 3),
    # Round 4: A alone (the others never submitted): no one to compare with.
    rated(4, "A", {"a": 1, "b": 1}, 1),
    # Round 5: D alone.
    rated(5, "D", {"a": 4, "b": 4}, 4),
]


def test_leniency_three_interviewers_hand_computed() -> None:
    got = calibrate(HISTORY)
    # A, deviation from the mean of the OTHERS on each (round, criterion):
    #   r1 a: 4 − (3+2)/2 = +1.5   r1 b: 3 − (3+3)/2 = 0   (r1 c: nobody else → nothing)
    #   r2 a: 4 − 3 = +1           r2 b: 4 − 2 = +2        (r4: alone → nothing)
    #   leniency = (1.5 + 0 + 1 + 2) / 4 = 4.5 / 4 = 1.125; rounds 2 (r1, r2)
    # Recommendations: r1 others (3+2)/2 = 2.5 → yes, A 4 yes → same side;
    #   r2 others 2 → no, A 3 yes → against. Rate 1/2.
    assert got["UA"] == Interviewer("UA", rounds=2, leniency=1.125, disagreement_rate=0.5)
    # B: r1 a: 3 − (4+2)/2 = 0   r1 b: 3 − (3+3)/2 = 0
    #    r2 a: 3 − 4 = −1        r2 b: 2 − 4 = −2
    #    r3 a: 2 − 2 = 0         r3 b: 1 − 3 = −2
    #    leniency = (0 + 0 − 1 − 2 + 0 − 2) / 6 = −5/6; rounds 3
    # Recommendations: r1 others (4+2)/2 = 3 yes, B 3 yes → same; r2 others 3 yes, B 2 no →
    #   against; r3 others 3 yes, B 1 no → against. Rate 2/3.
    b = got["UB"]
    assert b.rounds == 3
    assert b.leniency == pytest.approx(-5 / 6)
    assert b.disagreement_rate == pytest.approx(2 / 3)
    # C: r1 a: 2 − (4+3)/2 = −1.5   r1 b: 3 − (3+3)/2 = 0
    #    r3 a: 2 − 2 = 0            r3 b: 3 − 1 = +2
    #    leniency = (−1.5 + 0 + 0 + 2) / 4 = 0.125; rounds 2
    # Recommendations: r1 others (4+3)/2 = 3.5 yes, C 2 no → against; r3 others 1 no, C 3
    #   yes → against. Rate 2/2.
    assert got["UC"] == Interviewer("UC", rounds=2, leniency=0.125, disagreement_rate=1.0)
    # D only ever rated alone: known, but nothing to say about them.
    assert got["UD"] == Interviewer("UD", rounds=0, leniency=None, disagreement_rate=None)
    assert not any(i.calibrated for i in got.values())


def test_leave_one_out_not_the_whole_panel_mean() -> None:
    # Two panelists, 4 and 2. Against the whole panel's mean (3) each would be only ±1;
    # against the other panelist it is 4 − 2 = +2 and 2 − 4 = −2.
    got = calibrate([rated(1, "A", {"a": 4}, 4), rated(1, "B", {"a": 2}, 2)])
    assert got["UA"].leniency == 2.0
    assert got["UB"].leniency == -2.0
    # Recommendations 4 vs 2: each is against the other.
    assert got["UA"].disagreement_rate == got["UB"].disagreement_rate == 1.0


def test_single_panelist_round_counts_for_nothing() -> None:
    with_alone = calibrate(HISTORY)
    without = calibrate([r for r in HISTORY if r.round_id != 4])
    assert with_alone["UA"] == without["UA"]
    assert with_alone["UA"].rounds == 2


def steady_history(rounds: int) -> list[Rated]:
    # A always rates 4 where B rates 3: A's leniency is +1, B's −1 (leave-one-out).
    return [
        r
        for i in range(1, rounds + 1)
        for r in (rated(i, "A", {"a": 4}, 4), rated(i, "B", {"a": 3}, 3))
    ]


def test_calibrated_from_min_rounds() -> None:
    assert MIN_ROUNDS == 5
    four = calibrate(steady_history(4))
    five = calibrate(steady_history(5))
    assert four["UA"].leniency == 1.0 and four["UA"].rounds == 4
    assert not four["UA"].calibrated
    assert five["UA"].calibrated and five["UB"].calibrated
    assert five["UB"].leniency == -1.0
    # Fewer than MIN_ROUNDS: the rating as given.
    assert adjusted(4, four["UA"]) == 4.0
    assert adjusted(4, five["UA"]) == 3.0
    assert adjusted(3, five["UB"]) == 4.0


def test_adjusted_clamps_to_the_scale() -> None:
    lenient = Interviewer("UA", rounds=5, leniency=1.5, disagreement_rate=0.0)
    harsh = Interviewer("UB", rounds=9, leniency=-1.5, disagreement_rate=0.0)
    assert adjusted(1, lenient) == 1.0  # 1 − 1.5 = −0.5 → 1
    assert adjusted(4, lenient) == 2.5  # 4 − 1.5
    assert adjusted(4, harsh) == 4.0  # 4 + 1.5 = 5.5 → 4
    assert adjusted(2, harsh) == 3.5  # 2 + 1.5
    assert adjusted(3, None) == 3.0
    # Rounds but no shared criterion: no leniency, so not calibrated.
    no_overlap = Interviewer("UC", rounds=7, leniency=None, disagreement_rate=0.0)
    assert not no_overlap.calibrated
    assert adjusted(2, no_overlap) == 2.0


# --- agreement (Krippendorff's alpha, ordinal) -----------------------------------------------


def test_agreement_perfect() -> None:
    # Every unit rated the same by both panelists, with more than one value in use: D_o = 0.
    data = [
        rated(1, "A", {"a": 1, "b": 3}, 2),
        rated(1, "B", {"a": 1, "b": 3}, 2),
        rated(2, "A", {"a": 4}, 4),
        rated(2, "C", {"a": 4}, 4),
    ]
    assert agreement(data) == 1.0


def test_agreement_hand_computed() -> None:
    # Units (round, criterion): (1,a) = {1, 1}, (1,b) = {2, 2}, (2,a) = {3, 4}.
    # Coincidences (each unit has 2 values, so each pair weighs 1/(2−1) = 1):
    #   o11 = 2, o22 = 2, o34 = o43 = 1;  n1 = 2, n2 = 2, n3 = 1, n4 = 1, n = 6.
    # Ordinal distance δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²:
    #   δ²12 = (4 − 2)² = 4       δ²13 = (5 − 1.5)² = 12.25   δ²14 = (6 − 1.5)² = 20.25
    #   δ²23 = (3 − 1.5)² = 2.25  δ²24 = (4 − 1.5)² = 6.25    δ²34 = (2 − 1)² = 1
    # Observed Σ o·δ² = 2 · 1 = 2.
    # Expected Σ e·δ² = 2/(n−1) · Σ_{c<k} n_c n_k δ²
    #   = 2/5 · (4·4 + 2·12.25 + 2·20.25 + 2·2.25 + 2·6.25 + 1·1) = 2/5 · 99 = 39.6
    # α = 1 − 2/39.6 = 1 − 5/99 = 94/99 ≈ 0.9495
    data = [
        rated(1, "A", {"a": 1, "b": 2}, 2),
        rated(1, "B", {"a": 1, "b": 2}, 2),
        rated(2, "A", {"a": 3}, 3),
        rated(2, "B", {"a": 4}, 4),
    ]
    assert agreement(data) == pytest.approx(94 / 99)


@pytest.mark.parametrize(
    "data",
    [
        [],
        # One panelist per unit: nothing pairable.
        [rated(1, "A", {"a": 1, "b": 4}, 1), rated(2, "B", {"a": 3}, 3)],
        # Pairable, but only one value ever used: expected disagreement 0, alpha 0/0.
        [rated(1, "A", {"a": 3, "b": 3}, 3), rated(1, "B", {"a": 3, "b": 3}, 3)],
        # Off the scale: krippendorff rejects it; we return None instead of raising.
        [rated(1, "A", {"a": 5}, 3), rated(1, "B", {"a": 1}, 3)],
    ],
)
def test_agreement_degenerate_is_none(data: list[Rated]) -> None:
    assert agreement(data) is None


# --- themes ----------------------------------------------------------------------------------


def test_themes_of() -> None:
    assert themes_of("What's the SALARY range?") == {"pay"}
    assert themes_of("How do promotions work?") == {"growth"}  # prefix: promotion → promotions
    assert themes_of("Do promotions come with equity?") == {"growth", "pay"}
    assert themes_of("Who is on-call, and how often do you deploy?") == {"process"}
    assert themes_of("Is the team remote?") == {"team"}
    assert themes_of("Who are your customers?") == {"product"}
    assert themes_of("Where is the office kitchen?") == {"team"}
    assert themes_of("What's the weather like?") == {"other"}
    # Whole words or prefixes only, never the middle of a word.
    assert themes_of("Is it repayable?") == {"other"}
    assert themes_of("") == {"other"}


def test_questions_split_on_newlines_and_question_marks() -> None:
    text = "What is the salary? And the team?\n- Career growth\n\n  ?  \nRoadmap"
    assert questions_of(text) == [
        "What is the salary?",
        "And the team?",
        "Career growth",
        "Roadmap",
    ]


def test_count_themes() -> None:
    long = "Could you walk me through " + "the whole career ladder " * 6 + "?"
    assert len(long) > 120
    asked = [
        # Round 1: two panelists recorded the same pay question; one candidate, counted once.
        (1, "What's the salary range?"),
        (1, "what's the  salary range?\nHow big is the team?"),
        # Round 2: pay and team in one text, plus something no rule knows.
        (2, "Is there equity? How big is the team?\nDo you like cats?"),
        # Round 3: five growth questions, one too long for an example.
        (3, f"{long}\nIs there a mentor?\nTraining budget?\nConference budget?\nHow do I learn?"),
    ]
    got = {t.theme: t for t in count_themes(asked)}
    assert [t.theme for t in count_themes(asked)] == ["pay", "team", "growth", "other"]
    assert got["pay"].candidates == 2  # rounds 1 and 2
    # Distinct questions only (case and spacing ignored), first wording kept.
    assert got["pay"].examples == ("What's the salary range?", "Is there equity?")
    assert got["team"].candidates == 2
    assert got["team"].examples == ("How big is the team?",)
    assert got["growth"].candidates == 1
    # At most 3 examples, none over 120 characters; the long one still counts the candidate.
    assert got["growth"].examples == (
        "Is there a mentor?",
        "Training budget?",
        "Conference budget?",
    )
    assert got["other"].candidates == 1
    assert got["other"].examples == ("Do you like cats?",)


def test_count_themes_ties_in_theme_order() -> None:
    got = count_themes([(1, "What about the roadmap?"), (2, "Pay?"), (3, "How do you deploy?")])
    assert [(t.theme, t.candidates) for t in got] == [("pay", 1), ("product", 1), ("process", 1)]
    assert count_themes([(1, ""), (2, "  \n ")]) == ()


# --- comparison ------------------------------------------------------------------------------


def test_row_statistics_hand_computed() -> None:
    abc = rubric("a", "b", "c")
    answers_a = (
        QuestionAnswer(1, Resolution.RESOLVED),
        QuestionAnswer(2, Resolution.RESOLVED),
    )
    answers_b = (
        QuestionAnswer(1, Resolution.RESOLVED),
        QuestionAnswer(2, Resolution.PARTLY),
    )
    p = panel(
        1,
        1,
        fb("A", {"a": 4, "b": 2}, 4, answers=answers_a),
        fb("B", {"a": 3}, 1, answers=answers_b),
        on=abc,
        status=Status.CLOSED,
        missing=("C",),
        questions=((1, "Depth?"), (2, "Gaps?"), (3, "Visa?")),
    )
    (row,) = build_comparison("Backend engineer", [p]).rows
    # a: (4 + 3) / 2 = 3.5; b: only A → 2; c: nobody → None.
    assert row.means == {"a": 3.5, "b": 2.0, "c": None}
    # Overall over the criteria someone rated: (3.5 + 2) / 2 = 2.75.
    assert row.overall == 2.75
    assert row.tally == {4: 1, 3: 0, 2: 0, 1: 1}
    assert row.disagreements == ()  # a: 4 and 3 both yes, spread 1; b: one rating
    assert row.split_recommendation  # 4 and 1
    assert row.strong_no
    # q1 resolved by both; q2 partly for B; q3 never answered → 2 unresolved.
    assert row.unresolved == 2
    assert row.partial  # closed while C had not submitted


def test_nobody_rated_anything() -> None:
    (row,) = build_comparison("Backend engineer", [panel(1, 1, fb("A", {}, 3))]).rows
    assert row.means == {"a": None, "b": None}
    assert row.overall is None


def test_sort_by_overall_ties_newer_first_then_round_id() -> None:
    panels = [
        panel(1, 1, fb("A", {"a": 3, "b": 3}, 3)),  # 3.0, day 1
        panel(2, 3, fb("A", {"a": 2, "b": 4}, 3)),  # (2 + 4) / 2 = 3.0, day 3
        panel(3, 2, fb("A", {"a": 4, "b": 3}, 4)),  # 3.5, day 2
        panel(4, 4, fb("A", {}, 2)),  # nothing rated: None, day 4 (newest) → still last
        # (2.5 + 3.5) / 2 = 3.0, day 3 like round 2: round id decides.
        panel(5, 3, fb("A", {"a": 2, "b": 4}, 3), fb("B", {"a": 3, "b": 3}, 3)),
    ]
    got = build_comparison("Backend engineer", panels)
    assert [r.round.id for r in got.rows] == [3, 2, 5, 1, 4]
    assert got.sort_by is None
    assert not got.calibrated
    assert got.calibrated_interviewers == got.uncalibrated_interviewers == ()


def test_sort_by_criterion() -> None:
    panels = [
        panel(1, 1, fb("A", {"a": 4, "b": 1}, 3)),  # overall 2.5, b 1
        panel(2, 2, fb("A", {"a": 2, "b": 3}, 3)),  # overall 2.5, b 3
        panel(3, 3, fb("A", {"a": 4}, 3)),  # overall 4, b None
    ]
    assert [r.round.id for r in build_comparison("R", panels).rows] == [3, 2, 1]
    by_b = build_comparison("R", panels, sort_by="b")
    assert [r.round.id for r in by_b.rows] == [2, 1, 3]
    assert by_b.sort_by == "b"


def test_unknown_sort_key() -> None:
    panels = [panel(1, 1, fb("A", {"a": 4}, 3))]
    with pytest.raises(ValueError, match="nope"):
        build_comparison("R", panels, sort_by="nope")


def test_no_panels_is_an_empty_comparison() -> None:
    got = build_comparison("R", [], calibration={})
    assert got.rows == ()
    assert got.rubric == SECOND_INTERVIEW
    assert got.other_rubric_rounds == 0
    assert got.themes == ()
    assert got.agreement is None
    assert got.calibrated
    assert got.calibrated_interviewers == got.uncalibrated_interviewers == ()


def test_like_with_like() -> None:
    v1, v2, other = rubric("a", "b", version=1), rubric("a", "b", version=2), rubric("x", key="o")
    panels = [
        panel(1, 1, fb("A", {"a": 4}, 3), on=v1),
        panel(2, 5, fb("A", {"a": 3}, 3), on=v2),  # most recently finished: v2 is compared
        panel(3, 2, fb("A", {"a": 2}, 2), on=v2),
        panel(4, 3, fb("A", {"x": 4}, 4), on=other),
    ]
    got = build_comparison("R", panels)
    assert got.rubric.identity == ("eng", 2)
    assert [r.round.id for r in got.rows] == [2, 3]
    assert got.other_rubric_rounds == 2
    # A criterion of a rubric left out is unknown here.
    with pytest.raises(ValueError):
        build_comparison("R", panels, sort_by="x")


def test_calibrated_means_clamp() -> None:
    calibration = {
        "UA": Interviewer("UA", rounds=5, leniency=1.5, disagreement_rate=0.0),
        "UB": Interviewer("UB", rounds=6, leniency=-1.5, disagreement_rate=0.0),
        "UC": Interviewer("UC", rounds=4, leniency=2.0, disagreement_rate=0.0),  # too few
    }
    p = panel(
        1,
        1,
        fb("A", {"a": 1, "b": 4}, 3),
        fb("B", {"a": 4, "b": 2}, 2),
        fb("C", {"a": 3, "b": 3}, 3),
        fb("D", {"a": 2}, 2),  # unknown to calibration: as rated
    )
    got = build_comparison("R", [p], calibration=calibration)
    (row,) = got.rows
    # a: A 1 − 1.5 → 1 (clamped), B 4 + 1.5 → 4 (clamped), C 3 (raw), D 2 (raw)
    #    → (1 + 4 + 3 + 2) / 4 = 2.5
    # b: A 4 − 1.5 = 2.5, B 2 + 1.5 = 3.5, C 3 → (2.5 + 3.5 + 3) / 3 = 3.0
    assert row.means["a"] == pytest.approx(2.5)
    assert row.means["b"] == pytest.approx(3.0)
    assert row.overall == pytest.approx(2.75)  # (2.5 + 3) / 2
    # Disagreements on the ratings as given: a [1, 4, 3, 2] and b [4, 2, 3] both flagged.
    assert row.disagreements == ("a", "b")
    assert got.calibrated
    assert got.calibrated_interviewers == ("UA", "UB")
    assert got.uncalibrated_interviewers == ("UC", "UD")


def test_calibration_from_history_below_min_rounds_leaves_ratings_raw() -> None:
    history = steady_history(4)
    calibration = calibrate(history)
    p = panel(9, 9, fb("A", {"a": 4, "b": 4}, 4), fb("B", {"a": 3, "b": 2}, 3))
    raw = build_comparison("R", [p]).rows[0]
    cal = build_comparison("R", [p], calibration=calibration)
    assert cal.rows[0].means == raw.means == {"a": 3.5, "b": 3.0}
    assert cal.calibrated_interviewers == ()
    assert cal.uncalibrated_interviewers == ("UA", "UB")
    # With a fifth round both are calibrated: A 4 − 1 = 3, B 3 + 1 = 4 → a = 3.5 still;
    # b: A 4 − 1 = 3, B 2 + 1 = 3 → 3.0 (was (4 + 2) / 2 = 3.0 too: symmetric corrections).
    five = build_comparison("R", [p], calibration=calibrate(steady_history(5)))
    assert five.calibrated_interviewers == ("UA", "UB")
    assert five.rows[0].means == {"a": 3.5, "b": 3.0}


def test_calibration_moves_the_ranking() -> None:
    # A is lenient (+1), B harsh (−1). Candidate 1 met only A, candidate 2 only B.
    calibration = calibrate(steady_history(5))
    panels = [panel(1, 1, fb("A", {"a": 4}, 4)), panel(2, 2, fb("B", {"a": 3}, 3))]
    assert [r.round.id for r in build_comparison("R", panels).rows] == [1, 2]  # 4 vs 3
    got = build_comparison("R", panels, calibration=calibration)
    # 4 − 1 = 3 vs 3 + 1 = 4.
    assert [(r.round.id, r.overall) for r in got.rows] == [(2, 4.0), (1, 3.0)]


def test_themes_and_agreement_over_compared_panels() -> None:
    panels = [
        panel(1, 1, fb("A", {"a": 1, "b": 2}, 2, asked="Salary?"), fb("B", {"a": 1, "b": 2}, 2)),
        panel(2, 2, fb("A", {"a": 3}, 3, asked="salary?"), fb("B", {"a": 4}, 4, asked="Team?")),
        # Another rubric: neither its questions nor its ratings count.
        panel(3, 0, fb("A", {"x": 1}, 1, asked="Equity?"), on=rubric("x", key="o")),
    ]
    got = build_comparison("R", panels)
    assert [(t.theme, t.candidates) for t in got.themes] == [("pay", 2), ("team", 1)]
    # Best row first: round 2 (3.5) before round 1 (1.5), so round 2's wording comes first.
    assert got.themes[0].examples == ("salary?",)
    # Same ratings as test_agreement_hand_computed.
    assert got.agreement == pytest.approx(94 / 99)


def test_rated_of() -> None:
    p = panel(7, 1, fb("A", {"a": 4, "b": 2}, 3), fb("B", {"a": 1}, 1))
    assert rated_of(p) == [
        Rated(7, "UA", "Backend engineer", {"a": 4, "b": 2}, 3),
        Rated(7, "UB", "Backend engineer", {"a": 1}, 1),
    ]
