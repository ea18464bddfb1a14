"""The rounds one claim of outbox rows renders, read once for all its rows.

A submission enqueues two refreshes of one round (its announcement's counter and the
panelist's brief) and the dispatcher claims them together; each row rendered from its own
read of the round was a third of a submission's CPU (bench/load.py, docs/performance.md).

Exactly once still rests on generations (bot/services/dispatcher.py): a row is marked sent
only if its generation is still the one we rendered, so the generation must be read before
the state the row is rendered from. The claim's first row therefore reads every row of the
claim, with its generation, before any round. A later row reuses its round's state only if
it is a refresh and its generation is still the one read then (otherwise a change re-armed
it since, and its round is read again). A message whose ts is kept on its round (an
announcement, a brief, a summary) drops that round's state once it is sent, so what comes
next is read with its ts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.domain.work_kinds import OutboxKind
from bot.services.deliveries import CurrentRound
from storage.models import Outbox
from storage.work import leased

REFRESHES = frozenset(
    {OutboxKind.ANNOUNCEMENT, OutboxKind.BRIEF_REFRESH, OutboxKind.SUMMARY_REFRESH}
)


@dataclass
class ClaimRounds:
    token: str  # the claim's lease token
    generations: dict[int, int]  # row id → its generation, read before any round
    rounds: dict[int, CurrentRound] = field(default_factory=dict)  # round id → its state

    @classmethod
    def start(
        cls, session: Session, token: str, claim: Sequence[int]
    ) -> tuple[ClaimRounds, list[Outbox]]:
        """Every row of the claim (`claim`: its ids) still leased to it, in id order, and a
        cache for their rounds. By id: lease owners are not indexed."""
        rows = leased(session, Outbox, claim, token)
        return cls(token, {row.id: row.generation for row in rows}), rows

    def usable(self, row: Outbox) -> dict[int, CurrentRound]:
        """The rounds `row` may be rendered from. Its own is read again after a re-arm, and
        for any row but a refresh: only a refresh is re-armed by every change it shows (a
        nudge must see a submission made a moment ago)."""
        stale = self.generations.get(row.id) != row.generation or row.kind not in REFRESHES
        if stale and row.round_id is not None:
            self.rounds.pop(row.round_id, None)
        return self.rounds

    def forget(self, round_id: int | None) -> None:
        if round_id is not None:
            self.rounds.pop(round_id, None)
