"""A role's finished rounds with decisions, outcomes and answered check-ins, written straight
through the ORM (bulk statements, fast for thousands of rounds on both databases): what the
validity report reads. The ratings follow a hidden ability per round with noise, and one
criterion (the fourth) runs against it, so a report has something to find and to flag."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, update

from bot.domain.decision import Outcome
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.validity import RoundOutcome
from storage.db import Database
from storage.models import Round
from storage.outcome_models import CheckIn, RoundOutcomeRow
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.round_rows import TEAM

PANEL = ("UANA", "UBEN", "UCY", "UDEE")
AGAINST = SECOND_INTERVIEW.criteria[3].key  # the criterion whose ratings go against ability
START = date(2025, 1, 6)
ANSWERED = datetime(2026, 1, 6, 10, tzinfo=UTC)


@dataclass(frozen=True)
class SeededRole:
    role_id: int
    round_ids: list[int]
    outcomes: dict[int, RoundOutcome]  # round id → what was stored


def _clamp(value: float) -> int:
    return min(4, max(1, round(value)))


def seed_role_with_outcomes(
    db: Database, rounds: int, hires: int, *, seed: int = 14, role: str = "Staff Engineer"
) -> SeededRole:
    """`rounds` finished rounds of `role`, each decided (Advance when ability and a little
    noise are high enough, else Reject); the first `hires` advanced ones hired, with both
    check-ins answered."""
    rng = random.Random(seed)
    ability = [rng.random() for _ in range(rounds)]
    keys = [c.key for c in SECOND_INTERVIEW.criteria]
    noise = {(n, u): [rng.gauss(0, 0.6) for _ in keys] for n in range(rounds) for u in PANEL}

    def ratings(n: int, user: str) -> dict[str, int]:
        a = ability[n]
        return {
            key: _clamp(1 + 3 * ((1 - a) if key == AGAINST else a) + e)
            for key, e in zip(keys, noise[(n, user)], strict=True)
        }

    seeded = seed_finished_rounds(
        db,
        rounds,
        role=role,
        panel=PANEL,
        ratings=ratings,
        submitted=lambda n: PANEL[: 3 + n % 2],
        finished_at=lambda n: BASE - timedelta(minutes=rounds - n),
    )
    outcomes: dict[int, RoundOutcome] = {}
    hired = 0
    for n, rid in enumerate(seeded.round_ids):
        advanced = ability[n] + rng.gauss(0, 0.15) > 0.45
        outcome = RoundOutcome(advanced=advanced)
        if advanced and hired < hires:
            hired += 1
            perf = _clamp(1 + 3 * ability[n] + rng.gauss(0, 0.7))
            outcome = RoundOutcome(
                advanced=True,
                perf_6m=perf,
                perf_12m=_clamp(perf + rng.choice((-1, 0, 0, 1))),
                retained_12m=rng.random() < 0.5 + ability[n] / 2,
            )
        outcomes[rid] = outcome
    seed_outcomes(db, outcomes)
    return SeededRole(seeded.role_id, seeded.round_ids, outcomes)


def seed_outcomes(db: Database, outcomes: dict[int, RoundOutcome], team: str = TEAM) -> None:
    """Store each round's decision and, for hires (perf_6m known), the accepted offer and
    both check-ins as answered by the organizer."""
    hires = [rid for rid, o in outcomes.items() if o.perf_6m is not None]
    with db.transaction() as session:
        session.execute(
            update(Round),
            [
                {
                    "id": rid,
                    "decision": Outcome.ADVANCE if o.advanced else Outcome.REJECT,
                    "decided_at": ANSWERED - timedelta(days=500),
                }
                for rid, o in outcomes.items()
            ],
        )
        if not hires:
            return
        session.execute(
            insert(RoundOutcomeRow),
            [
                {
                    "team_id": team,
                    "round_id": rid,
                    "offer": "accepted",
                    "start_date": START,
                    "recorded_by": "UORG",
                    "recorded_at": ANSWERED - timedelta(days=400),
                }
                for rid in hires
            ],
        )
        session.execute(
            insert(CheckIn),
            [
                {
                    "team_id": team,
                    "round_id": rid,
                    "months": months,
                    "asked_user": "UORG",
                    "still_there": True if months == 6 else outcomes[rid].retained_12m,
                    "rating": outcomes[rid].perf_6m if months == 6 else outcomes[rid].perf_12m,
                    "answered_by": "UORG",
                    "answered_at": ANSWERED,
                }
                for rid in hires
                for months in (6, 12)
            ],
        )


def hire(db: Database, round_id: int, team: str = TEAM) -> None:
    """Decide the round Advance, record the offer accepted, and ask the organizer its
    6-month check-in (unanswered): what the outcome buttons and modals act on."""
    with db.transaction() as session:
        session.execute(update(Round).where(Round.id == round_id).values(decision="advance"))
        session.add(
            RoundOutcomeRow(
                team_id=team,
                round_id=round_id,
                offer="accepted",
                start_date=START,
                recorded_by="UORG",
                recorded_at=ANSWERED,
            )
        )
        session.add(CheckIn(team_id=team, round_id=round_id, months=6, asked_user="UORG"))
