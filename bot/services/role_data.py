"""A role's finished panels and the workspace's calibration, read from the database in a
fixed number of queries (never one per candidate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.calibration import Interviewer, Rated, calibrate
from bot.domain.comparison import FinishedPanel
from bot.domain.decision import DecisionVersion
from bot.domain.panel_figures import PanelFigures
from bot.services import snapshot_rows
from bot.services.snapshots import decision_version
from storage import outcome_queries, queries, role_queries


def finished_panels(
    session: Session, team_id: str, role_id: int, since: datetime | None = None
) -> list[FinishedPanel]:
    """Seven queries, whatever the number of rounds; plain rows, no ORM objects (the
    comparison reads every feedback of the role: docs/performance.md)."""
    rounds = snapshot_rows.snapshots_with_feedback(
        session, role_queries.finished_rounds(team_id, role_id, since)
    )
    ids = [r.snapshot.id for r in rounds]
    decisions: dict[int, list[DecisionVersion]] = {}
    for row in queries.decisions_for_rounds(session, team_id, ids):
        decisions.setdefault(row.round_id, []).append(decision_version(row))
    outcomes = outcome_queries.outcomes_of_rounds(session, team_id, ids)
    return [
        FinishedPanel(
            r.snapshot,
            tuple(r.feedback),
            r.finished_at,
            tuple(decisions.get(r.snapshot.id, ())),
            outcomes.get(r.snapshot.id),
        )
        for r in rounds
    ]


def compared_panels(session: Session, team_id: str, role_id: int) -> list[PanelFigures]:
    """The role's finished panels as its comparison reads them: five queries, whatever the
    number of rounds, with the ratings counted by the database instead of decoded from every
    draft (docs/performance.md). What the exports need whole is finished_panels'."""
    return snapshot_rows.snapshots_with_figures(
        session, role_queries.ROLE_FINISHED, {"team_id": team_id, "role_id": role_id}
    )


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
