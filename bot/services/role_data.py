"""A role's finished panels and the workspace's calibration, read from the database in a
fixed number of queries (never one per candidate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.calibration import Interviewer, Rated, calibrate
from bot.domain.comparison import FinishedPanel
from bot.domain.decision import DecisionVersion
from bot.services.snapshots import decision_version, snapshots_with_feedback
from storage import outcome_queries, queries, role_queries
from storage.models import Round


def finished_at(rnd: Round) -> datetime:
    return rnd.completed_at or rnd.closed_at or rnd.created_at


def finished_panels(
    session: Session, team_id: str, role_id: int, since: datetime | None = None
) -> list[FinishedPanel]:
    rounds = role_queries.finished_rounds(session, team_id, role_id, since)
    decisions: dict[int, list[DecisionVersion]] = {}
    for row in queries.decisions_for_rounds(session, team_id, [r.id for r in rounds]):
        decisions.setdefault(row.round_id, []).append(decision_version(row))
    outcomes = outcome_queries.outcomes_of_rounds(session, team_id, [r.id for r in rounds])
    return [
        FinishedPanel(
            snap,
            tuple(feedback),
            finished_at(rnd),
            tuple(decisions.get(rnd.id, ())),
            outcomes.get(rnd.id),
        )
        for rnd, (snap, feedback) in zip(
            rounds, snapshots_with_feedback(session, team_id, rounds), strict=True
        )
    ]


def rated(session: Session, team_id: str, role_id: int | None = None) -> list[Rated]:
    """Every active panelist's ratings on the team's finished rounds (of one role, when
    given), from the normalised rating rows (two queries, no JSON decoding: it reads the
    workspace's whole history)."""
    ratings: dict[int, dict[str, int]] = {}
    found = role_queries.finished_ratings(session, team_id, role_id)
    for feedback_id, criterion_key, rating in found:
        ratings.setdefault(feedback_id, {})[criterion_key] = rating
    return [
        Rated(
            round_id=round_id,
            user_id=user_id,
            role_name=role_name,
            ratings=ratings.get(feedback_id, {}),
            recommendation=recommendation,
        )
        for feedback_id, round_id, role_name, user_id, recommendation in (
            role_queries.finished_feedback(session, team_id, role_id)
        )
    ]


def calibration(session: Session, team_id: str) -> dict[str, Interviewer]:
    return calibrate(rated(session, team_id))
