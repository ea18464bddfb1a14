"""Turn rows into the domain snapshots that rules and views work on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain.feedback import PanelistFeedback, draft_from_data
from bot.domain.panel import PanelistState, RoundSnapshot
from bot.domain.rubric import Rubric
from storage import queries
from storage.models import Round


def snapshot(session: Session, rnd: Round, submitted: set[str] | None = None) -> RoundSnapshot:
    if submitted is None:
        submitted = {f.user_id for f in queries.feedback_for_round(session, rnd.team_id, rnd.id)}
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
            PanelistState(p.user_id, p.display_name, p.user_id in submitted)
            for p in rnd.panelists
            if p.active
        ),
        announcement_ts=rnd.announcement_ts,
        summary_ts=rnd.summary_ts,
    )


def snapshot_with_feedback(
    session: Session, rnd: Round
) -> tuple[RoundSnapshot, list[PanelistFeedback]]:
    """The snapshot and the active panelists' feedback in panel order, from one query of the
    feedback rows (removed panelists' feedback is left out)."""
    rows = {f.user_id: f for f in queries.feedback_for_round(session, rnd.team_id, rnd.id)}
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
    return snapshot(session, rnd, set(rows)), feedback
