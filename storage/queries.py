"""Queries the services share. Every one takes the team_id: no query crosses workspaces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BindParameter, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.domain.panel import Status
from storage.models import Decision, DueWork, Feedback, Panelist, Role, Round
from storage.work import dialect_insert

# The statements every request on a round runs, built once with their values as
# parameters: built afresh (the where clause coerced, the joinedload options, the cache key
# computed) they cost about a third of what running them does (bench/request_cpu.py,
# docs/performance.md). One query with the panel and the questions joined in: a round has
# at most a dozen of each, and a profile of bench/load.py showed the two extra selectin
# (or lazy) queries as a tenth of the bot's CPU.
_ROUND = (
    select(Round)
    .where(Round.id == bindparam("round_id"), Round.team_id == bindparam("team_id"))
    .options(joinedload(Round.panelists), joinedload(Round.questions))
)
# PostgreSQL: SELECT … FOR UPDATE OF rounds. SQLite: SQLAlchemy drops FOR UPDATE, but our
# write transactions start with BEGIN IMMEDIATE (storage.db), which already serializes writers.
_LOCKED_ROUND = _ROUND.with_for_update(of=Round).execution_options(populate_existing=True)
_ROUND_FEEDBACK = (
    select(Feedback)
    .where(Feedback.team_id == bindparam("team_id"), Feedback.round_id == bindparam("round_id"))
    .order_by(Feedback.id)
)


def lock_round(session: Session, team_id: str, round_id: int) -> Round | None:
    """The round row (its panel and questions loaded), locked for the rest of the
    transaction."""
    found = session.scalars(_LOCKED_ROUND, {"round_id": round_id, "team_id": team_id})
    return found.unique().one_or_none()


def get_round(session: Session, team_id: str, round_id: int) -> Round | None:
    found = session.scalars(_ROUND, {"round_id": round_id, "team_id": team_id})
    return found.unique().one_or_none()


def round_by_source_view(session: Session, team_id: str, view_id: str) -> Round | None:
    return session.scalars(
        select(Round).where(Round.team_id == team_id, Round.source_view_id == view_id)
    ).one_or_none()


def ensure_role(session: Session, team_id: str, name: str) -> Role:
    """Get or create a role by case-insensitive name; safe when two people create it at once."""
    key = name.strip().casefold()
    session.execute(
        dialect_insert(session, Role)
        .values(team_id=team_id, name=name.strip(), name_key=key, created_at=func.now())
        .on_conflict_do_nothing(index_elements=["team_id", "name_key"])
    )
    return session.scalars(select(Role).where(Role.team_id == team_id, Role.name_key == key)).one()


def roles(session: Session, team_id: str, limit: int = 100) -> Sequence[Role]:
    return session.scalars(
        select(Role).where(Role.team_id == team_id).order_by(Role.name_key).limit(limit)
    ).all()


def feedback_for_round(session: Session, team_id: str, round_id: int) -> Sequence[Feedback]:
    return session.scalars(_ROUND_FEEDBACK, {"team_id": team_id, "round_id": round_id}).all()


def feedback_of(session: Session, team_id: str, round_id: int, user_id: str) -> Feedback | None:
    return session.scalars(
        select(Feedback).where(
            Feedback.team_id == team_id,
            Feedback.round_id == round_id,
            Feedback.user_id == user_id,
        )
    ).one_or_none()


def claim_summary(session: Session, round_id: int, now: datetime, **changes: object) -> bool:
    """Conditional update: only one transaction ever sets summary_claimed_at."""
    result = session.execute(
        update(Round)
        .where(Round.id == round_id, Round.summary_claimed_at.is_(None))
        .values(summary_claimed_at=now, **changes)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def rounds_for_user(session: Session, team_id: str, user_id: str) -> Sequence[Round]:
    """Live rounds the user organizes or sits on, newest interview first, at most 25: the
    rounds USER_ROUNDS selects, which /panel status reads as plain rows."""
    return session.scalars(USER_ROUNDS, {"team_id": team_id, "user_id": user_id}).all()


def rounds_for_user_query(
    team_id: str | BindParameter[str], user_id: str | BindParameter[str], limit: int = 25
) -> Select[Round]:
    """The statement behind `rounds_for_user` (USER_ROUNDS binds its values)."""
    sits_on = select(Panelist.round_id).where(
        Panelist.team_id == team_id, Panelist.user_id == user_id, Panelist.removed_at.is_(None)
    )
    return (
        select(Round)
        .where(
            Round.team_id == team_id,
            Round.status.in_(Status.ACCEPTING_FEEDBACK),
            (Round.organizer_id == user_id) | Round.id.in_(sits_on),
        )
        .order_by(Round.interview_at.desc())
        .limit(limit)
    )


def organized_after_summary_query(
    team_id: str | BindParameter[str],
    user_id: str | BindParameter[str],
    decided_since: datetime | BindParameter[datetime],
    limit: int = 25,
) -> Select[Round]:
    """Finished rounds the user organizes that await a decision, or were decided since
    `decided_since`; the most recent first."""
    return (
        select(Round)
        .where(
            Round.team_id == team_id,
            Round.organizer_id == user_id,
            Round.status.in_(Status.FINISHED),
            Round.decision.is_(None) | (Round.decided_at >= decided_since),
        )
        .order_by(func.coalesce(Round.decided_at, Round.closed_at, Round.completed_at).desc())
        .limit(limit)
    )


# One round of the team (round_id, team_id bound), for snapshot_rows.
ONE_ROUND = select(Round).where(
    Round.id == bindparam("round_id"), Round.team_id == bindparam("team_id")
)
# What /panel status and App Home read, built once with their values bound at each run
# (team_id, user_id; decided_since): building both statements per request was half of a
# status request's CPU (bench.request_profile, docs/performance.md).
USER_ROUNDS = rounds_for_user_query(bindparam("team_id"), bindparam("user_id"))
ORGANIZED_AFTER_SUMMARY = organized_after_summary_query(
    bindparam("team_id"), bindparam("user_id"), bindparam("decided_since")
)


# A hiring channel's rounds for its digest: the open ones, and those finished (complete or
# closed) after `finished_after`. Its values are bound at execution (`team_id`, `channel_id`,
# `finished_after`), so the statements that read with it are built once
# (bot/services/snapshot_rows.py): building them per call cost about as much as running them.
DIGEST_ROUNDS = and_(
    Round.team_id == bindparam("team_id"),
    Round.channel_id == bindparam("channel_id"),
    Round.status.in_([Status.OPEN, *Status.FINISHED]),
    or_(
        Round.status == Status.OPEN,
        func.coalesce(Round.completed_at, Round.closed_at) > bindparam("finished_after"),
    ),
)
# When a round's decision was first recorded (its version 1); None if undecided.
FIRST_DECIDED_AT = (
    select(Decision.decided_at)
    .where(Decision.round_id == Round.id, Decision.team_id == Round.team_id, Decision.version == 1)
    .scalar_subquery()
    .label("first_decided_at")
)


def open_rounds(session: Session, team_id: str) -> Sequence[Round]:
    return session.scalars(
        select(Round)
        .where(Round.team_id == team_id, Round.status == Status.OPEN)
        .options(selectinload(Round.panelists))
    ).all()


def open_rounds_without_due_work(session: Session) -> Sequence[Round]:
    """Open rounds, in every workspace, that have no due work at all: rounds started before
    reminders existed (an upgrade)."""
    scheduled = select(DueWork.id).where(DueWork.round_id == Round.id).exists()
    return session.scalars(
        select(Round)
        .where(Round.status == Status.OPEN, ~scheduled)
        .options(selectinload(Round.panelists))
    ).all()


def decisions_of(session: Session, team_id: str, round_id: int) -> Sequence[Decision]:
    """Every version of the round's decision, oldest first."""
    return session.scalars(
        select(Decision)
        .where(Decision.team_id == team_id, Decision.round_id == round_id)
        .order_by(Decision.version)
    ).all()


def decision_by_view(session: Session, team_id: str, view_id: str) -> Decision | None:
    """The version a decision modal (its view id) recorded, if it did."""
    return session.scalars(
        select(Decision).where(Decision.team_id == team_id, Decision.source_view_id == view_id)
    ).one_or_none()


def decisions_for_rounds(
    session: Session, team_id: str, round_ids: Sequence[int]
) -> Sequence[Decision]:
    """Every version of these rounds' decisions, by round then version."""
    if not round_ids:
        return []
    return session.scalars(
        select(Decision)
        .where(Decision.team_id == team_id, Decision.round_id.in_(round_ids))
        .order_by(Decision.round_id, Decision.version)
    ).all()
