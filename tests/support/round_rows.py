"""Rounds written straight to the database by the seeders (tests/support/seeding.py for due
nudges, finished_rounds.py for finished rounds with feedback): one row shape, one record of
what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW, Rubric

TEAM = "T0001"  # the Slack stand-in's team
ORGANIZER = "UORG"
HIRING = "C0HIRING"


@dataclass(frozen=True)
class Seeded:
    """What a seeder wrote: the role, its rounds, and (round id, user id) of every panelist
    (seed_due_nudges) or every feedback row (seed_finished_rounds), in insertion order."""

    role_id: int
    round_ids: list[int]
    panelists: list[tuple[int, str]]

    @property
    def user_ids(self) -> list[str]:
        return [user for _, user in self.panelists]

    def round_of(self, user_id: str) -> int:
        return next(r for r, u in self.panelists if u == user_id)


def round_row(
    role_id: int,
    candidate: str,
    view_id: str,
    *,
    interview_at: datetime,
    due_at: datetime,
    created_at: datetime,
    team: str = TEAM,
    organizer: str = ORGANIZER,
    channel: str = HIRING,
    rubric: Rubric = SECOND_INTERVIEW,
    status: str = Status.OPEN,
) -> dict[str, Any]:
    """A `rounds` row as the app would have written it when the panel started."""
    return {
        "team_id": team,
        "role_id": role_id,
        "candidate_name": candidate,
        "organizer_id": organizer,
        "channel_id": channel,
        "interview_at": interview_at,
        "due_at": due_at,
        "rubric": rubric.to_data(),
        "status": status,
        "source_view_id": view_id,
        "created_at": created_at,
    }
