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


def panel_feedback(session: Session, rnd: Round) -> list[PanelistFeedback]:
    """Feedback of the active panelists, in panel order (removed panelists' is left out)."""
    by_user = {f.user_id: f for f in queries.feedback_for_round(session, rnd.team_id, rnd.id)}
    return [
        PanelistFeedback(
            p.user_id,
            p.display_name,
            draft_from_data(by_user[p.user_id].answers),
            by_user[p.user_id].revision,
        )
        for p in rnd.panelists
        if p.active and p.user_id in by_user
    ]
