"""Turn rows into the domain snapshots that rules and views work on."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

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
    return snapshot_of(
        rnd,
        rnd.role.name,
        Rubric.from_data(rnd.rubric),
        [p for p in rnd.panelists if p.active],
        [(q.id, q.text) for q in rnd.questions],
        submitted,
    )


def snapshot_of(
    row: Any,
    role_name: str,
    rubric: Rubric,
    panel: Iterable[Any],
    questions: Iterable[tuple[int, str]],
    submitted: Container[str],
) -> RoundSnapshot:
    """The one place a snapshot is put together: `row` is a Round, or a plain row of its
    columns (bot/services/snapshot_rows.py); `panel` its active panelists (user_id,
    display_name, focus); `submitted` the user ids who have given feedback."""
    return RoundSnapshot(
        id=row.id,
        team_id=row.team_id,
        candidate_name=row.candidate_name,
        profile_link=row.profile_link,
        role_name=role_name,
        organizer_id=row.organizer_id,
        channel_id=row.channel_id,
        interview_at=row.interview_at,
        due_at=row.due_at,
        rubric=rubric,
        status=row.status,
        questions=tuple(questions),
        panelists=tuple(
            PanelistState(p.user_id, p.display_name, p.user_id in submitted, tuple(p.focus or ()))
            for p in panel
        ),
        announcement_ts=row.announcement_ts,
        summary_ts=row.summary_ts,
        decision=row.decision,
        decided_at=row.decided_at,
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
    feedback = panel_feedback([p for p in rnd.panelists if p.active], rows)
    return snapshot(None, rnd, set(rows)), feedback


def panel_feedback(panel: Iterable[Any], given: Mapping[str, Any]) -> list[PanelistFeedback]:
    """The feedback of `panel` (active panelists, in panel order: an ORM Panelist or a plain
    row) who appear in `given`, user id → a feedback row (ORM or plain) with its answers and
    revision. The one place a round's PanelistFeedback list is made."""
    return [
        PanelistFeedback(
            p.user_id,
            p.display_name,
            draft_from_data(given[p.user_id].answers),
            given[p.user_id].revision,
        )
        for p in panel
        if p.user_id in given
    ]


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


def decision_versions(session: Session, team_id: str, round_id: int) -> tuple[DecisionVersion, ...]:
    """Every version of the round's decision, oldest first."""
    return tuple(decision_version(row) for row in queries.decisions_of(session, team_id, round_id))
