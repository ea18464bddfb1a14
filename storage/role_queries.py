"""Reads and writes about a role: its versioned rubric, its finished rounds, who organizes
it and where it is hired. Every query takes the team_id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from bot.domain.panel import Status
from storage.models import Feedback, Panelist, RatingRow, Role, RoleRubric, Round


def role(session: Session, team_id: str, role_id: int) -> Role | None:
    return session.scalars(
        select(Role).where(Role.team_id == team_id, Role.id == role_id)
    ).one_or_none()


def roles_matching(session: Session, team_id: str, text: str, limit: int = 100) -> list[Role]:
    """The role named `text` (any case); else every role whose name contains it."""
    key = text.strip().casefold()
    exact = session.scalars(
        select(Role).where(Role.team_id == team_id, Role.name_key == key)
    ).one_or_none()
    if exact is not None:
        return [exact]
    if not key:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            select(Role)
            .where(Role.team_id == team_id, Role.name_key.like(pattern, escape="\\"))
            .order_by(Role.name_key)
            .limit(limit)
        )
    )


def latest_rubric(session: Session, team_id: str, role_id: int) -> RoleRubric | None:
    return session.scalars(
        select(RoleRubric)
        .where(RoleRubric.team_id == team_id, RoleRubric.role_id == role_id)
        .order_by(RoleRubric.version.desc())
        .limit(1)
    ).one_or_none()


def add_rubric_version(
    session: Session, team_id: str, role_id: int, version: int, rubric: dict[str, Any], by: str
) -> None:
    """The unique (team, role, version) makes two simultaneous saves of one version fail
    for the second, instead of one silently overwriting the other."""
    session.add(
        RoleRubric(team_id=team_id, role_id=role_id, version=version, rubric=rubric, created_by=by)
    )
    session.flush()


# The role's complete and closed rounds, its values bound by name (team_id, role_id): built
# once, for statements that join the rounds (bot.services.snapshot_rows.snapshots_with_figures).
ROLE_FINISHED = and_(
    Round.team_id == bindparam("team_id"),
    Round.role_id == bindparam("role_id"),
    Round.status.in_(Status.FINISHED),
)


def finished_rounds(team_id: str, role_id: int, since: datetime | None = None) -> Select[Round]:
    """The role's complete and closed rounds, by id: a statement for
    bot.services.snapshot_rows, which reads them as plain rows."""
    query = (
        select(Round)
        .where(
            Round.team_id == team_id, Round.role_id == role_id, Round.status.in_(Status.FINISHED)
        )
        .order_by(Round.id)
    )
    if since is not None:
        query = query.where(func.coalesce(Round.completed_at, Round.closed_at) >= since)
    return query


def hiring_channel(session: Session, team_id: str, role_id: int) -> str | None:
    """Where the role is hired: the channel of its most recent round."""
    return session.scalar(
        select(Round.channel_id)
        .where(Round.team_id == team_id, Round.role_id == role_id)
        .order_by(Round.created_at.desc(), Round.id.desc())
        .limit(1)
    )


def organizes(session: Session, team_id: str, user_id: str, role_id: int | None = None) -> bool:
    """Has the user organized a round (of this role, or any)?"""
    query = select(Round.id).where(Round.team_id == team_id, Round.organizer_id == user_id)
    if role_id is not None:
        query = query.where(Round.role_id == role_id)
    return session.scalar(query.limit(1)) is not None


def finished_feedback(session: Session, team_id: str, role_id: int | None = None) -> Sequence[Any]:
    """(feedback id, round id, role name, panelist, recommendation) of every active
    panelist's feedback on the team's finished rounds (of one role, when given): what
    calibration and validity read. Plain columns, not the answers JSON: numbers only."""
    of_role = [Round.role_id == role_id] if role_id is not None else []
    # Core, not the ORM's result layer: this and finished_ratings read the workspace's
    # whole history (160,000 rating rows in bench.compare), and plain rows are what they are.
    return (
        session.connection()
        .execute(
            _of_finished_rounds(
                select(
                    Feedback.id,
                    Feedback.round_id,
                    Role.name,
                    Feedback.user_id,
                    Feedback.recommendation,
                ),
                team_id,
            )
            .join(Role, Role.id == Round.role_id)
            .where(*of_role)
            .order_by(Feedback.round_id, Feedback.id)
        )
        .all()
    )


def finished_submissions(session: Session, team_id: str) -> Sequence[Any]:
    """(panelist, interview time, due time, first submission time) of every active
    panelist's feedback on the team's finished rounds: what timeliness reads."""
    return session.execute(
        _of_finished_rounds(
            select(Feedback.user_id, Round.interview_at, Round.due_at, Feedback.submitted_at),
            team_id,
        )
    ).all()


_Row = TypeVarTuple("_Row")


def _of_finished_rounds(query: Select[*_Row], team_id: str) -> Select[*_Row]:
    """`query` over the feedback of the team's finished rounds, by their active panelists
    only (a removed panelist's feedback counts nowhere): joins the round and the panelist."""
    return (
        query.join(Round, Round.id == Feedback.round_id)
        .join(
            Panelist,
            (Panelist.round_id == Feedback.round_id) & (Panelist.user_id == Feedback.user_id),
        )
        .where(
            Feedback.team_id == team_id,
            Round.status.in_(Status.FINISHED),
            Panelist.removed_at.is_(None),
        )
    )


def finished_ratings(session: Session, team_id: str, role_id: int | None = None) -> Sequence[Any]:
    """(feedback id, criterion key, rating) of the same feedback: the normalised ratings."""
    of_role = [Round.role_id == role_id] if role_id is not None else []
    return (
        session.connection()
        .execute(
            select(RatingRow.feedback_id, RatingRow.criterion_key, RatingRow.rating)
            .join(Feedback, Feedback.id == RatingRow.feedback_id)
            .join(Round, Round.id == Feedback.round_id)
            .where(RatingRow.team_id == team_id, Round.status.in_(Status.FINISHED), *of_role)
        )
        .all()
    )


def display_names(session: Session, team_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(Panelist.user_id, Panelist.display_name).where(
            Panelist.team_id == team_id, Panelist.user_id.in_(list(user_ids))
        )
    )
    return {user_id: name for user_id, name in rows}
