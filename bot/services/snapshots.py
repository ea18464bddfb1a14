"""Turn rows into the domain snapshots that rules and views work on."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.domain.decision import DecisionVersion, Outcome
from bot.domain.feedback import PanelistFeedback, draft_from_data
from bot.domain.panel import PanelistState, RoundSnapshot
from bot.domain.rubric import Rubric
from storage import queries
from storage.models import Decision, Feedback, Round


def snapshot(
    session: Session | None, rnd: Round, submitted: set[str] | None = None
) -> RoundSnapshot:
    """`submitted` (who has given feedback) is read from the session when not given."""
    if submitted is None:
        assert session is not None, "pass the session or who has submitted"
        submitted = submitted_by(session, rnd)
    return RoundSnapshot(
        id=rnd.id,
        team_id=rnd.team_id,
        candidate_name=rnd.candidate_name,
        profile_link=rnd.profile_link,
        role_name=rnd.role.name,
        organizer_id=rnd.organizer_id,
        channel_id=rnd.channel_id,
        interview_at=rnd.interview_at,
        due_at=rnd.due_at,
        rubric=Rubric.from_data(rnd.rubric),
        status=rnd.status,
        questions=tuple((q.id, q.text) for q in rnd.questions),
        panelists=tuple(
            PanelistState(p.user_id, p.display_name, p.user_id in submitted, tuple(p.focus or ()))
            for p in rnd.panelists
            if p.active
        ),
        announcement_ts=rnd.announcement_ts,
        summary_ts=rnd.summary_ts,
        decision=rnd.decision,
        decided_at=rnd.decided_at,
    )


def submitted_by(session: Session, rnd: Round) -> set[str]:
    """Who has given feedback on the round (removed panelists too)."""
    return {f.user_id for f in queries.feedback_for_round(session, rnd.team_id, rnd.id)}


def snapshot_with_feedback(
    session: Session, rnd: Round
) -> tuple[RoundSnapshot, list[PanelistFeedback]]:
    """The snapshot and the active panelists' feedback in panel order, from one query of the
    feedback rows (removed panelists' feedback is left out)."""
    return _with_feedback(rnd, queries.feedback_for_round(session, rnd.team_id, rnd.id))


def _with_feedback(
    rnd: Round, feedback_rows: Sequence[Feedback]
) -> tuple[RoundSnapshot, list[PanelistFeedback]]:
    rows = {f.user_id: f for f in feedback_rows}
    feedback = [
        PanelistFeedback(
            p.user_id,
            p.display_name,
            draft_from_data(rows[p.user_id].answers),
            rows[p.user_id].revision,
        )
        for p in rnd.panelists
        if p.active and p.user_id in rows
    ]
    return snapshot(None, rnd, set(rows)), feedback


def decision_version(row: Decision) -> DecisionVersion:
    return DecisionVersion(
        version=row.version,
        outcome=Outcome(row.outcome),
        rationale=row.rationale,
        change_reason=row.change_reason,
        participants=tuple(row.participants or ()),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def decision_versions(session: Session, rnd: Round) -> tuple[DecisionVersion, ...]:
    """Every version of the round's decision, oldest first."""
    return tuple(
        decision_version(row) for row in queries.decisions_of(session, rnd.team_id, rnd.id)
    )
