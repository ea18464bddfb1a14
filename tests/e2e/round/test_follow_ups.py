"""The candidate's questions marked answered or needing a follow-up: stored with the draft,
required words for a follow-up, and listed by the summary's statistics."""

from __future__ import annotations

from bot.domain import rules
from bot.domain.feedback import (
    Asked,
    FeedbackDraft,
    PanelistFeedback,
    Rating,
    draft_from_data,
    draft_to_data,
)
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import summarize


def draft(asked: Asked | None, text: str) -> FeedbackDraft:
    ratings = tuple(Rating(c.key, 3) for c in SECOND_INTERVIEW.criteria)
    return FeedbackDraft(ratings, 3, candidate_questions=text, asked=asked)


def test_the_mark_is_kept_with_the_draft_and_old_drafts_have_none() -> None:
    given = draft(Asked.FOLLOW_UP, "Is on-call paid?")
    assert draft_from_data(draft_to_data(given)) == given
    old = draft_to_data(draft(None, ""))
    del old["asked"]  # feedback stored before the mark existed
    assert draft_from_data(old).asked is None


def test_a_follow_up_needs_the_question() -> None:
    errors = rules.feedback_errors(SECOND_INTERVIEW, [], draft(Asked.FOLLOW_UP, " "))
    assert errors == {"candidate_questions": "Say what they asked that needs a follow-up."}
    assert rules.feedback_errors(SECOND_INTERVIEW, [], draft(Asked.ANSWERED, "")) == {}


def test_the_summary_lists_only_the_follow_ups() -> None:
    feedback = [
        PanelistFeedback("U1", "Ana", draft(Asked.ANSWERED, "How big is the team?")),
        PanelistFeedback("U2", "Ben", draft(Asked.FOLLOW_UP, "Is on-call paid?")),
        PanelistFeedback("U3", "Cy", draft(None, "Remote days?")),
    ]
    summary = summarize(SECOND_INTERVIEW, feedback, [])
    assert [(cq.panelist, cq.asked) for cq in summary.follow_ups] == [("Ben", "Is on-call paid?")]
    assert len(summary.candidate_questions) == 3
