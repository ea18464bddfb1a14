"""The loop the due-work runner and the outbox dispatcher share: claim a batch with a lease,
handle each row, and hand back what is left when time, the lease or the process runs out."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.services.context import Resources
from storage.work import Scope, WorkModel, claim, claim_rows, release_all


@dataclass(frozen=True)
class Claim:
    """One claim: its lease token, its rows' ids in order, and the rows themselves as the
    claim leased them when the loop was asked for them (`WorkLoop.whole_rows`)."""

    token: str
    ids: list[int]
    rows: list[Any]


@dataclass
class WorkLoop:
    """What one claimer of one table's work (`model`) keeps between runs: who it is
    (`owner`, the start of every lease token it takes), how many rows it claims at once,
    and the event that stops it. How long a lease lasts is the deployment's (`resources.leases`)."""

    resources: Resources
    model: WorkModel
    owner: str
    batch: int
    whole_rows: bool = False  # the claim returns its rows, not only their ids
    stopping: threading.Event = field(default_factory=threading.Event)

    def drain(
        self,
        handle: Callable[[int, Claim], bool],
        *,
        budget: float,
        only: Scope | None = None,
    ) -> None:
        """Hand due rows (matching `only`) with their whole claim (its lease token, its ids)
        to `handle` until none are left, `budget` seconds pass or `stopping` is set.
        `handle` says whether it left work due at once: the row (a newer change re-armed it
        while it was ours) or a new one (a notice the handling enqueued).

        A claim of fewer rows than the batch took every row that was due: unless one was
        left due again, there is nothing to claim, and the claim that would come back empty
        is not made (it was 7 % of delivering a submission's messages, docs/performance.md).
        Rows added since are their own request's to deliver, or the next tick's.

        A row is only started with at least `per_row` of its lease left, so no handling ever
        outlives the lease (after which another instance may take the row). Each claim has
        its own lease token, so two threads of one instance never mistake each other's
        leases."""
        resources, model = self.resources, self.model
        lease, per_row = resources.leases.lease, resources.leases.per_row
        deadline = time.monotonic() + budget
        while not self.stopping.is_set() and time.monotonic() < deadline:
            now = resources.now()
            token = f"{self.owner}:{uuid.uuid4().hex[:8]}"
            with resources.db.transaction() as session:
                if self.whole_rows:
                    rows = claim_rows(session, model, token, now, lease, self.batch, only=only)
                    ids = [row.id for row in rows]
                else:
                    rows, ids = [], claim(session, model, token, now, lease, self.batch, only=only)
            if not ids:
                return
            claimed = Claim(token, ids, rows)
            lease_until = now + lease
            again = False
            for index, row_id in enumerate(ids):
                out_of_time = self.stopping.is_set() or time.monotonic() > deadline
                if out_of_time or resources.now() + per_row > lease_until:
                    with resources.db.transaction() as session:
                        release_all(session, model, ids[index:], token)
                    return
                try:
                    again = handle(row_id, claimed) or again
                except Exception:
                    # The database failed under this row: hand the rest of the claim back
                    # as soon as it answers again, instead of when the lease runs out.
                    with contextlib.suppress(Exception), resources.db.transaction() as session:
                        release_all(session, model, ids[index:], token)
                    raise
            if len(ids) < self.batch and not again:
                return
