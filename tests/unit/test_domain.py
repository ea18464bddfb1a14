"""Statistics and rules, with no Slack and no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import rules
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
    draft_from_data,
    draft_to_data,
)
from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from bot.domain.stats import is_disagreement, summarize

KEYS = [c.key for c in SECOND_INTERVIEW.criteria]


def feedback(name: str, ratings: list[int], rec: int, **kw: object) -> PanelistFeedback:
    draft = FeedbackDraft(
        ratings=tuple(Rating(k, r, "seen") for k, r in zip(KEYS, ratings, strict=True)),
        recommendation=rec,
        **kw,  # type: ignore[arg-type]
    )
    return PanelistFeedback(user_id=f"U{name}", display_name=name, draft=draft)


@pytest.mark.parametrize(
    ("ratings", "flagged"),
    [
        ([3, 3, 3], False),
        ([3, 4], False),  # both yes, spread 1
        ([2, 3], True),  # a No and a Yes together
        ([1, 2], False),  # both no, spread 1
        ([1, 3], True),  # spread 2
        ([4, 2, 4], True),
        ([4], False),  # one rating can't disagree
        ([], False),
    ],
)
def test_disagreement(ratings: list[int], flagged: bool) -> None:
    assert is_disagreement(ratings) is flagged


def test_summary_hand_computed() -> None:
    panel = [
        feedback("Ana", [4, 3, 3, 2, 3], 4),
        feedback("Bo", [3, 3, 2, 2, 3], 3),
        feedback("Cy", [2, 4, 3, 1, 3], 1),
    ]
    s = summarize(SECOND_INTERVIEW, panel, [])
    means = {c.key: c.mean for c in s.criteria}
    assert means == {
        "depth": pytest.approx(3.0),
        "team_fit": pytest.approx(10 / 3),
        "scenario": pytest.approx(8 / 3),
        "clarification": pytest.approx(5 / 3),
        "motivation": pytest.approx(3.0),
    }
    # Every criterion weighs the same: the mean of the five means.
    assert s.overall == pytest.approx((3 + 10 / 3 + 8 / 3 + 5 / 3 + 3) / 5)
    spreads = {c.key: c.spread for c in s.criteria}
    assert spreads == {
        "depth": 2,
        "team_fit": 1,
        "scenario": 1,
        "clarification": 1,
        "motivation": 0,
    }
    assert [c.key for c in s.flagged] == ["depth", "scenario"]
    assert s.tally == {4: 1, 3: 1, 2: 0, 1: 1}
    assert s.recommendation_disagreement
    assert s.strong_no_from == ("Cy",)
    assert s.submitted == 3


def test_summary_single_panelist_and_missing_criterion() -> None:
    one = PanelistFeedback(
        "U1",
        "Solo",
        FeedbackDraft(ratings=(Rating("depth", 4, "built a compiler"),), recommendation=3),
    )
    s = summarize(SECOND_INTERVIEW, [one], [])
    depth = s.criteria[0]
    assert (depth.mean, depth.spread, depth.disagreement) == (4.0, 0, False)
    assert all(c.mean is None for c in s.criteria[1:])
    assert s.overall == 4.0  # unrated criteria are left out, not counted as zero
    assert not s.recommendation_disagreement


def test_summary_of_nobody() -> None:
    s = summarize(SECOND_INTERVIEW, [], [(1, "Why did they leave?")])
    assert s.overall is None
    assert s.tally == {4: 0, 3: 0, 2: 0, 1: 0}
    assert [q.text for q in s.open_questions] == ["Why did they leave?"]


def test_round1_questions_resolved_only_when_everyone_says_so() -> None:
    answers = {
        "A": (QuestionAnswer(1, Resolution.RESOLVED), QuestionAnswer(2, Resolution.RESOLVED)),
        "B": (QuestionAnswer(1, Resolution.RESOLVED), QuestionAnswer(2, Resolution.PARTLY)),
    }
    panel = [feedback(n, [3] * 5, 3, question_answers=a) for n, a in answers.items()]
    s = summarize(SECOND_INTERVIEW, panel, [(1, "Gap year?"), (2, "Salary?")])
    assert [q.question_id for q in s.open_questions] == [2]
    assert s.open_questions[0].counts == {Resolution.RESOLVED: 1, Resolution.PARTLY: 1}


def test_candidate_questions_collected() -> None:
    panel = [
        feedback("A", [3] * 5, 3, candidate_questions="On-call?", engagement=Engagement.HIGH),
        feedback("B", [3] * 5, 3),
    ]
    s = summarize(SECOND_INTERVIEW, panel, [])
    assert [(c.panelist, c.asked, c.engagement) for c in s.candidate_questions] == [
        ("A", "On-call?", Engagement.HIGH)
    ]


def test_draft_round_trips_through_data() -> None:
    draft = FeedbackDraft(
        ratings=(Rating("depth", 4, "x"), Rating("team_fit", 2, "")),
        recommendation=3,
        question_answers=(QuestionAnswer(7, Resolution.NOT_RESOLVED, "still unclear"),),
        candidate_questions="growth?",
        engagement=Engagement.MEDIUM,
    )
    assert draft_from_data(draft_to_data(draft)) == draft


def test_rubric_round_trips_and_anchors_fit_slack() -> None:
    assert Rubric.from_data(SECOND_INTERVIEW.to_data()) == SECOND_INTERVIEW
    for criterion in SECOND_INTERVIEW.criteria:
        assert all(len(a) <= 75 for a in criterion.anchors), criterion.key


# -- rules ------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def request(**changes: object) -> rules.PanelRequest:
    base: dict[str, object] = {
        "candidate_name": "Ada Lovelace",
        "profile_link": "",
        "role_name": "Engineer",
        "questions": [],
        "panelists": [rules.UserFacts("U1", "Ann", is_bot=False, deleted=False)],
        "interview_at": NOW,
        "due_at": NOW + timedelta(hours=24),
    }
    base.update(changes)
    return rules.PanelRequest(**base)  # type: ignore[arg-type]


def test_valid_panel_request() -> None:
    assert rules.panel_request_errors(request()) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"candidate_name": "  "}, "candidate", "name"),
        ({"panelists": []}, "panelists", "at least one"),
        (
            {"panelists": [rules.UserFacts("B1", "Deploybot", is_bot=True, deleted=False)]},
            "panelists",
            "Deploybot",
        ),
        (
            {"panelists": [rules.UserFacts("U9", "Gone", is_bot=False, deleted=True)]},
            "panelists",
            "Deactivated",
        ),
        (
            {
                "panelists": [
                    rules.UserFacts(f"U{i}", "x", is_bot=False, deleted=False) for i in range(13)
                ]
            },
            "panelists",
            "at most 12",
        ),
        ({"due_at": NOW - timedelta(minutes=1)}, "due_at", "after the interview"),
        ({"due_at": NOW}, "due_at", "after the interview"),
        ({"interview_at": None}, "interview_at", "interview"),
        ({"profile_link": "javascript:alert(1)"}, "link", "https://"),
        ({"role_name": ""}, "role", "role"),
        ({"questions": ["q"] * 11}, "questions", "at most 10"),
    ],
)
def test_panel_request_errors(changes: dict[str, object], field: str, words: str) -> None:
    errors = rules.panel_request_errors(request(**changes))
    assert field in errors
    assert words.lower() in errors[field].lower()


def test_coverage_warning_for_a_panel_of_one() -> None:
    assert rules.thinly_covered(SECOND_INTERVIEW, 1) == [c.name for c in SECOND_INTERVIEW.criteria]
    assert rules.thinly_covered(SECOND_INTERVIEW, 2) == []


def test_extreme_ratings_need_evidence() -> None:
    ratings = tuple(Rating(k, 3) for k in KEYS[1:])
    strong_yes = FeedbackDraft(ratings=(Rating("depth", 4, "  "), *ratings), recommendation=3)
    errors = rules.feedback_errors(SECOND_INTERVIEW, [], strong_yes)
    assert errors == {"evidence:depth": "Say what you saw that earns a Strong yes."}
    strong_no = FeedbackDraft(ratings=(Rating("depth", 1), *ratings), recommendation=3)
    assert rules.feedback_errors(SECOND_INTERVIEW, [], strong_no) == {
        "evidence:depth": "Say what you saw that earns a Strong no."
    }


def test_feedback_needs_every_rating_question_and_recommendation() -> None:
    draft = FeedbackDraft(ratings=(Rating("depth", 3),), recommendation=0)
    errors = rules.feedback_errors(SECOND_INTERVIEW, [5], draft)
    assert set(errors) == {
        "rating:team_fit",
        "rating:scenario",
        "rating:clarification",
        "rating:motivation",
        "q:5",
        "recommendation",
    }


def test_overlong_text_from_a_forged_payload_is_refused() -> None:
    ratings = tuple(Rating(k, 3, "x" * 1501 if k == "depth" else "") for k in KEYS)
    draft = FeedbackDraft(ratings=ratings, recommendation=3, candidate_questions="y" * 1501)
    errors = rules.feedback_errors(SECOND_INTERVIEW, [], draft)
    assert set(errors) == {"evidence:depth", "candidate_questions"}


def test_split_questions() -> None:
    assert rules.split_questions("- Why the gap?\n\n• Salary  \n  * Notice period") == [
        "Why the gap?",
        "Salary",
        "Notice period",
    ]
