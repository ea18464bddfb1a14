"""Round snapshots read as plain rows, without ORM objects, for the hottest reads.

`/panel status` (and App Home) runs on every request of that kind; built from ORM objects
(a Round, its Role, every Panelist and Question, loaded with selectinload), the ORM's work
per row and per query was most of its CPU (bench/load.py, docs/performance.md). Here the
same statements select only the columns a snapshot shows, and the panel, the questions and
who has submitted are read for all the rounds at once: four queries, whatever the number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.domain.panel import PanelistState, RoundSnapshot
from bot.domain.rubric import Rubric
from storage.models import Feedback, Panelist, Question, Role, Round

COLUMNS = (
    Round.id,
    Round.team_id,
    Round.candidate_name,
    Round.profile_link,
    Role.name.label("role_name"),
    Round.organizer_id,
    Round.channel_id,
    Round.interview_at,
    Round.due_at,
    Round.rubric,
    Round.status,
    Round.announcement_ts,
    Round.summary_ts,
    Round.decision,
    Round.decided_at,
)


def snapshots(session: Session, rounds: Select[Round]) -> list[RoundSnapshot]:
    """The snapshots of the rounds `rounds` selects, in its order."""
    found = session.execute(
        rounds.with_only_columns(*COLUMNS).join_from(Round, Role, Role.id == Round.role_id)
    ).all()
    ids = [row.id for row in found]
    if not ids:
        return []
    panels: dict[int, list[Any]] = defaultdict(list)
    for p in session.execute(
        select(Panelist.round_id, Panelist.user_id, Panelist.display_name, Panelist.focus)
        .where(Panelist.round_id.in_(ids), Panelist.removed_at.is_(None))
        .order_by(Panelist.id)
    ):
        panels[p.round_id].append(p)
    questions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for q in session.execute(
        select(Question.round_id, Question.id, Question.text)
        .where(Question.round_id.in_(ids))
        .order_by(Question.position)
    ):
        questions[q.round_id].append((q.id, q.text))
    submitted = set(
        session.execute(
            select(Feedback.round_id, Feedback.user_id).where(Feedback.round_id.in_(ids))
        ).tuples()
    )
    return [_snapshot(row, panels[row.id], questions[row.id], submitted) for row in found]


def _snapshot(
    row: Any,
    panel: Sequence[Any],
    questions: list[tuple[int, str]],
    submitted: set[tuple[int, str]],
) -> RoundSnapshot:
    return RoundSnapshot(
        id=row.id,
        team_id=row.team_id,
        candidate_name=row.candidate_name,
        profile_link=row.profile_link,
        role_name=row.role_name,
        organizer_id=row.organizer_id,
        channel_id=row.channel_id,
        interview_at=row.interview_at,
        due_at=row.due_at,
        rubric=Rubric.from_data(row.rubric),
        status=row.status,
        questions=tuple(questions),
        panelists=tuple(
            PanelistState(
                p.user_id, p.display_name, (row.id, p.user_id) in submitted, tuple(p.focus or ())
            )
            for p in panel
        ),
        announcement_ts=row.announcement_ts,
        summary_ts=row.summary_ts,
        decision=row.decision,
        decided_at=row.decided_at,
    )
