"""Sample data for docs/blockkit.md: one invented hiring team, its rounds and feedback,
as the bot's views receive them. Fixed dates, fixed ids, no clock and no database, so the
page is the same on every run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.codec import CompareState
from bot.domain.calibration import Interviewer, agreement, calibrate
from bot.domain.comparison import FinishedPanel, build_comparison, rated_of
from bot.domain.decision import DecisionVersion, Outcome
from bot.domain.digest import Digest, FinishedRound, build_digest
from bot.domain.erasure import ErasableRound, Erased, ErasurePlan
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
)
from bot.domain.outcome import Offer, RecordedOutcome
from bot.domain.panel import PanelistState, RoundSnapshot, Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import PanelSummary, summarize
from bot.domain.validity import ValidityTable, validity_table

TEAM = "T0SAMPLE"
HIRING = "C0HIRING"
ROLE = "Staff Engineer"
ORGANIZER = "U0ORGANIZER"
PANEL = {"U0PRIYA": "Priya", "U0MARCO": "Marco", "U0LENA": "Lena"}
INTERVIEW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
NOW = INTERVIEW + timedelta(days=1, hours=2)
QUESTIONS = (
    (1, "Can they lead a design review with senior peers?"),
    (2, "Round 1 found their testing habits thin: dig into how they test."),
)
CRITERIA = tuple(c.key for c in SECOND_INTERVIEW.criteria)

# Each panelist's ratings per criterion (in rubric order), recommendation and notes.
_ANSWERS: dict[str, tuple[tuple[int, ...], int, str, Engagement]] = {
    "U0PRIYA": ((4, 3, 4, 3, 3), 4, "How is on-call shared? What would my first project be?",
                Engagement.HIGH),
    "U0MARCO": ((3, 3, 3, 2, 3), 3, "What does growth to principal look like here?",
                Engagement.MEDIUM),
    "U0LENA": ((2, 3, 3, 3, 4), 2, "", Engagement.MEDIUM),
}  # fmt: skip
_EVIDENCE = {
    4: "Walked through the cache migration: trade-offs, rollback plan, what failed first.",
    1: "Could not name a test they wrote for the last incident.",
}


def feedback_of(user_id: str, shift: int = 0) -> PanelistFeedback:
    """The panelist's feedback; `shift` moves every rating (for other candidates)."""
    ratings, recommendation, asked, engagement = _ANSWERS[user_id]
    moved = [min(4, max(1, r + shift)) for r in ratings]
    draft = FeedbackDraft(
        ratings=tuple(
            Rating(key, value, _EVIDENCE.get(value, "Clear, concrete examples."))
            for key, value in zip(CRITERIA, moved, strict=True)
        ),
        recommendation=min(4, max(1, recommendation + shift)),
        question_answers=(
            QuestionAnswer(1, Resolution.RESOLVED, "Ran the review calmly."),
            QuestionAnswer(2, Resolution.PARTLY if user_id == "U0LENA" else Resolution.RESOLVED),
        ),
        candidate_questions=asked,
        engagement=engagement,
    )
    return PanelistFeedback(user_id, PANEL[user_id], draft)


def round_of(
    candidate: str = "Ada Lovelace",
    *,
    round_id: int = 42,
    status: Status = Status.OPEN,
    submitted: tuple[str, ...] = ("U0PRIYA",),
    interview: datetime = INTERVIEW,
) -> RoundSnapshot:
    return RoundSnapshot(
        id=round_id,
        team_id=TEAM,
        candidate_name=candidate,
        profile_link="https://example.com/candidates/ada",
        role_name=ROLE,
        organizer_id=ORGANIZER,
        channel_id=HIRING,
        interview_at=interview,
        due_at=interview + timedelta(hours=24),
        rubric=SECOND_INTERVIEW,
        status=status,
        questions=QUESTIONS,
        panelists=tuple(PanelistState(u, n, u in submitted) for u, n in PANEL.items()),
        announcement_ts="1772460000.000100",
    )


OPEN = round_of()
COMPLETE = replace(round_of(status=Status.COMPLETE, submitted=tuple(PANEL)), summary_ts="1.2")
FEEDBACK = [feedback_of(u) for u in PANEL]


def summary() -> PanelSummary:
    return summarize(SECOND_INTERVIEW, FEEDBACK, list(QUESTIONS))


# Other candidates of the role, finished on earlier days: (name, rating shift).
_OTHERS = (("Grace Hopper", 1), ("Alan Turing", 0), ("Edsger Dijkstra", -1))


def finished_panels() -> list[FinishedPanel]:
    panels = [FinishedPanel(COMPLETE, tuple(FEEDBACK), NOW)]
    for n, (name, shift) in enumerate(_OTHERS, start=1):
        when = INTERVIEW - timedelta(days=7 * n)
        r = round_of(name, round_id=42 - n, status=Status.COMPLETE, submitted=tuple(PANEL),
                     interview=when)  # fmt: skip
        feedback = tuple(feedback_of(u, shift) for u in PANEL)
        panels.append(FinishedPanel(r, feedback, when + timedelta(days=1)))
    return panels


def comparison_state() -> CompareState:
    """What the comparison's buttons carry (role id 7, as rated, sorted by overall)."""
    return CompareState(role=7)


def comparison_sample() -> object:
    return build_comparison(ROLE, finished_panels())


def calibration_sample() -> tuple[list[Interviewer], dict[str, str], dict[str, float | None]]:
    rated = [r for p in finished_panels() for r in rated_of(p)]
    return list(calibrate(rated).values()), dict(PANEL), {ROLE: agreement(rated)}


def digest_sample() -> Digest:
    finished = [
        FinishedRound(p.round, summarize(SECOND_INTERVIEW, list(p.feedback), list(QUESTIONS)),
                      p.finished_at)
        for p in finished_panels()
    ]  # fmt: skip
    late = round_of("Barbara Liskov", round_id=43, interview=INTERVIEW - timedelta(days=2))
    return build_digest(HIRING, NOW, NOW - timedelta(days=1), [OPEN, late], finished)


def erasure_plan() -> ErasurePlan:
    rounds = (ErasableRound(42, ROLE, ORGANIZER, Status.COMPLETE, INTERVIEW, 3, 3),)
    return ErasurePlan("Ada Lovelace", rounds, messages=6)


def erased() -> Erased:
    return Erased(
        "Ada Lovelace",
        rounds=1,
        panelists=3,
        feedback=3,
        decisions=1,
        due_work=4,
        outbox=9,
        messages=6,
        channels=(HIRING,),
    )


def outcome_sample() -> RecordedOutcome:
    return RecordedOutcome(Offer.ACCEPTED, date(2027, 1, 5), ORGANIZER, NOW)


def validity_sample() -> ValidityTable:
    """A role's report from seeded ratings and outcomes (bench/validity.py's role)."""
    from bench.validity import CRITERIA, seeded_role

    rated, outcomes = seeded_role(200, 24)
    return validity_table(CRITERIA, rated, outcomes)


def decision_sample() -> DecisionVersion:
    return DecisionVersion(
        1,
        Outcome.ADVANCE,
        "Strong on depth and the scenario; the debrief agreed with the aggregate.",
        None,
        (ORGANIZER, *PANEL),
        ORGANIZER,
        NOW,
    )
