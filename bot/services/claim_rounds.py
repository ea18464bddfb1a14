"""The rounds one claim of outbox rows renders, read once for all its rows.

A submission enqueues two refreshes of one round (its announcement's counter and the
panelist's brief) and the dispatcher claims them together; each row rendered from its own
read of the round was a third of a submission's CPU (bench/load.py, docs/performance.md).

Exactly once still rests on generations (bot/services/dispatcher.py): a row is marked sent
only if its generation is still the one we rendered, so the generation must be read before
the state the row is rendered from. The claim itself returns every row of the claim, with
its generation, before any round is read. A later row is read again before it is rendered
(in the transaction that finishes the row before it, `read_ahead`), and reuses its round's
state only if it is a refresh and its generation is still the one the claim returned
(otherwise a change re-armed it since, and its round is read again). A message whose ts is
kept on its round (an announcement, a brief, a summary) takes that round's state out while
it is sent, and puts it back with the ts once that is recorded: a refresh after it in the
claim (the brief's update after a completing submission's summary) is rendered with the
ts, without reading the round again."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.domain.work_kinds import OutboxKind
from bot.services.deliveries import RECORDED_ON_ROUND
from bot.services.delivery_rows import CurrentRound
from bot.services.work_loop import Claim
from storage.models import Outbox
from storage.work import leased

REFRESHES = frozenset(
    {OutboxKind.ANNOUNCEMENT, OutboxKind.BRIEF_REFRESH, OutboxKind.SUMMARY_REFRESH}
)


@dataclass
class ClaimRounds:
    claim: Claim
    generations: dict[int, int]  # row id → its generation, as the claim returned it
    rounds: dict[int, CurrentRound] = field(default_factory=dict)  # round id → its state
    ahead: dict[int, list[Outbox]] = field(default_factory=dict)  # rows read ahead, by id

    @classmethod
    def start(cls, claim: Claim) -> ClaimRounds:
        """A cache for the rounds of the claim's rows (`claim.rows`, as the claim leased
        them, so read before any round)."""
        rows: list[Outbox] = claim.rows
        return cls(claim, {row.id: row.generation for row in rows})

    def row(self, session: Session, row_id: int) -> list[Outbox]:
        """The row if it is still leased to the claim: as the claim returned it for the
        claim's first row, as `read_ahead` read it for the others, else read now."""
        if row_id == self.claim.ids[0]:
            return [row for row in self.claim.rows if row.id == row_id]
        found = self.ahead.pop(row_id, None)
        return leased(session, Outbox, [row_id], self.claim.token) if found is None else found

    def read_ahead(self, session: Session, row_id: int) -> None:
        """In the transaction that finishes `row_id`, read the claim's next row: the read it
        needs before it is rendered, without a transaction of its own (docs/performance.md)."""
        ids = self.claim.ids
        at = ids.index(row_id) + 1
        if at < len(ids):
            self.ahead[ids[at]] = leased(session, Outbox, [ids[at]], self.claim.token)

    def usable(self, row: Outbox) -> dict[int, CurrentRound]:
        """The rounds `row` may be rendered from. Its own is read again after a re-arm, and
        for any row but a refresh: only a refresh is re-armed by every change it shows (a
        nudge must see a submission made a moment ago)."""
        stale = self.generations.get(row.id) != row.generation or row.kind not in REFRESHES
        if stale and row.round_id is not None:
            self.rounds.pop(row.round_id, None)
        return self.rounds

    def forget(self, round_id: int | None, kind: OutboxKind) -> CurrentRound | None:
        """Drop the state of the round a message of `kind` keeps its ts on, before it is
        sent (RECORDED_ON_ROUND); the state dropped, which `keep` puts back once the ts is
        recorded (deliveries.recorded), so the claim's next rows need not read the round."""
        if kind not in RECORDED_ON_ROUND or round_id is None:
            return None
        return self.rounds.pop(round_id, None)

    def keep(self, current: CurrentRound) -> None:
        self.rounds[current.snap.id] = current
