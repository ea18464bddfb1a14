"""Data retention and erasure.

The purge (run from the scheduler tick, at most hourly per process) deletes rounds finished
longer ago than the retention period, work rows that ended that long ago, and everything of
a workspace uninstalled that long ago. Erasing a candidate (`/panel forget`, `panelbot
forget`) deletes their rounds with all that hangs on them in one transaction, and enqueues
the deletion of the bot's Slack messages about them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.erasure import ErasableRound, Erased, ErasurePlan
from bot.domain.work_kinds import OutboxKind
from bot.errors import InvalidCommand, NotAllowed, NotFound
from bot.services.context import Resources
from bot.services.outbox import OutboxWriter
from bot.text import escape
from storage import retention as store
from storage.models import DueWork, Outbox, Round

log = logging.getLogger(__name__)

# The purge only needs to keep up with time; more often would only cost queries.
PURGE_EVERY = timedelta(hours=1)
# Rows deleted per transaction: short transactions, short locks.
BATCH = 500
# Outbox kinds whose recorded ts is not a message about the round (uploads record a file).
NOT_MESSAGES = frozenset(
    {OutboxKind.HEATMAP, OutboxKind.EXPORT, OutboxKind.VALIDITY_CHART, OutboxKind.DELETE}
)
# Rows rendered when enqueued, so their payload may name a candidate (digests, comparisons).
RENDERED_KINDS = (OutboxKind.POST,)


@dataclass
class Purged:
    """Rows deleted, per table; `finished` is False when time ran out first."""

    counts: dict[str, int] = field(default_factory=dict)
    finished: bool = True

    def add(self, table: str, count: int) -> None:
        if count:
            self.counts[table] = self.counts.get(table, 0) + count

    def describe(self) -> str:
        return ", ".join(f"{n} {table}" for table, n in self.counts.items()) or "nothing"


class RetentionService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.retention = resources.retention
        # A throttle only: correctness never depends on it (purging is idempotent and safe
        # on several instances at once), so an in-process timestamp is enough.
        self._last_purge: datetime | None = None
        self.stopping = threading.Event()  # a clean stop ends the purge after its batch

    # -- the retention purge --------------------------------------------------------------
    def purge_if_due(self, budget: float) -> Purged | None:
        """Purge unless this process did within the hour; a purge that ran out of time
        carries on at the next tick."""
        now = self.resources.now()
        if self._last_purge is not None and abs(now - self._last_purge) < PURGE_EVERY:
            return None
        self._last_purge = now  # set first: a failing purge must not run every tick
        purged = self.purge(now, budget=budget)
        if not purged.finished:
            self._last_purge = None
        if purged.counts:
            log.info(
                "retention purge (older than %s days)%s: %s",
                self.retention.days,
                "" if purged.finished else ", to be continued",
                purged.describe(),
            )
        return purged

    def purge(self, now: datetime, *, budget: float = 60.0, batch: int = BATCH) -> Purged:
        """Delete what is older than the retention period, `batch` rows per transaction,
        until done, `budget` seconds have passed or the process is stopping (at least one
        batch is always done)."""
        cutoff = now - self.retention
        deadline = time.monotonic() + budget
        purged = Purged()
        steps: list[tuple[str, Callable[[Session], int]]] = [
            ("rounds", lambda s: store.purge_finished_rounds(s, cutoff, batch)),
            ("due_work", lambda s: store.purge_finished_work(s, DueWork, cutoff, batch)),
            ("outbox", lambda s: store.purge_finished_work(s, Outbox, cutoff, batch)),
        ]
        for table, step in steps:
            if not self._drain(table, step, purged, deadline, batch):
                return purged
        with self.resources.db.read() as session:
            expired = store.expired_workspaces(session, cutoff)
        for team_id in expired:
            if not self._purge_workspace(team_id, cutoff, purged, deadline, batch):
                return purged
        return purged

    def _purge_workspace(
        self, team_id: str, cutoff: datetime, purged: Purged, deadline: float, batch: int
    ) -> bool:
        """Every table with the team's rows, then the workspace row itself. Each batch
        first locks the workspace row and checks it is still uninstalled: a workspace
        reinstalled meanwhile keeps what is left."""

        def still_expired(session: Session) -> bool:
            return store.lock_expired_workspace(session, team_id, cutoff)

        for table, pk, team_column in store.WORKSPACE_TABLES:
            step = partial(
                store.purge_workspace_table,
                pk=pk,
                team_column=team_column,
                team_id=team_id,
                limit=batch,
            )
            if not self._drain(table, step, purged, deadline, batch, guard=still_expired):
                return False
        with self.resources.db.transaction() as session:
            if still_expired(session):
                purged.add("workspaces", store.delete_workspace(session, team_id))
        return True

    def _drain(
        self,
        table: str,
        step: Callable[[Session], int],
        purged: Purged,
        deadline: float,
        batch: int,
        guard: Callable[[Session], bool] | None = None,
    ) -> bool:
        """Run `step` one transaction at a time until it deletes less than a batch; False
        when time ran out first."""
        while True:
            with self.resources.db.transaction() as session:
                if guard is not None and not guard(session):
                    return True
                n = step(session)
            purged.add(table, n)
            if n < batch:
                return True
            if time.monotonic() > deadline or self.stopping.is_set():
                purged.finished = False
                return False

    # -- erasing a candidate --------------------------------------------------------------
    def plan_erasure(self, team_id: str, name: str, requester: str | None) -> ErasurePlan:
        """What erasing the candidate named `name` would delete, if `requester` may
        (None: the operator at the command line, who holds the database anyway)."""
        candidate = " ".join(name.split())
        if not candidate:
            raise InvalidCommand("Say whom to erase: `/panel forget <candidate name>`.")
        with self.resources.db.read() as session:
            found = store.candidate_rounds(session, team_id, candidate)
            ids = [rid for rid, _ in found]
            rounds = store.erasable_rounds(session, team_id, ids)
            messages = len(_messages_about(session, ids))
        if not rounds:
            raise NotFound(
                f"Panelbot holds no panels for a candidate named {escape(candidate)} "
                "in this workspace (names are matched whole, in any case)."
            )
        self._check_allowed(team_id, requester, candidate, rounds)
        # Named as the newest round has them, not as typed.
        return ErasurePlan(" ".join(found[-1][1].split()), tuple(rounds), messages)

    def erase(self, team_id: str, name: str, up_to: int, requester: str | None) -> Erased:
        """Erase the candidate's rounds up to round id `up_to` (the newest one the requester
        saw) in one transaction: the rounds, and with them their panelists, questions,
        feedback, decisions, due work and outbox rows; the outbox rows not bound to a round
        that name the candidate; and the deletion of the bot's Slack messages about them is
        enqueued.
        Erasing again finds nothing: `Erased.nothing`."""
        candidate = " ".join(name.split())
        with self.resources.db.read() as session:
            ids = [
                rid for rid, _ in store.candidate_rounds(session, team_id, candidate, up_to=up_to)
            ]
            rounds = store.erasable_rounds(session, team_id, ids)
        if not rounds:
            return Erased(candidate)
        # Asked before the write transaction: no lock is held while Slack answers.
        self._check_allowed(team_id, requester, candidate, rounds)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            ids = store.lock_rounds(session, team_id, ids)
            if not ids:  # erased by someone else meanwhile
                return Erased(candidate)
            contents = store.round_contents(session, ids)
            messages = _messages_about(session, ids)
            # No message can name them before their first round started.
            since = store.first_started(session, ids) or now
            unbound = store.unbound_rows_matching(
                session, team_id, RENDERED_KINDS, since, _names(candidate)
            )
            store.delete_rows(session, Outbox.id, [row_id for row_id, _, _ in unbound])
            # A digest or comparison already posted that names them goes too (whole: the
            # bot cannot cut one candidate out of a posted message).
            messages = sorted(
                {*messages, *((channel, ts) for _, channel, ts in unbound if channel and ts)}
            )
            erased_rounds = store.delete_rows(session, Round.id, ids)
            out = OutboxWriter(session, team_id, now)
            for channel, ts in messages:
                out.delete_message(channel, ts)
        log.info(
            "erased a candidate in %s: %s rounds, %s messages to delete",
            team_id,
            erased_rounds,
            len(messages),
        )
        return Erased(
            candidate,
            rounds=erased_rounds,
            panelists=contents.panelists,
            feedback=contents.feedback,
            decisions=contents.decisions,
            due_work=contents.due_work,
            outbox=contents.outbox + len(unbound),
            messages=len(messages),
            channels=tuple(sorted({channel for channel, _ in messages})),
        )

    def _check_allowed(
        self,
        team_id: str,
        requester: str | None,
        candidate: str,
        rounds: Iterable[ErasableRound],
    ) -> None:
        """The organizer of every one of the candidate's rounds, or a workspace admin or
        owner, may erase them."""
        if requester is None or {r.organizer_id for r in rounds} == {requester}:
            return
        # Erasing is a modal submission: Slack's answer must come within the ack's time.
        (admin,) = self.resources.slack.in_time(
            lambda: self.resources.slack.is_admin(team_id, requester)
        )
        if admin:
            return
        raise NotAllowed(
            f"You can't erase {escape(candidate)}: only whoever organized every one of their "
            "panels, or a workspace admin or owner, can."
        )


def _messages_about(session: Session, round_ids: list[int]) -> list[tuple[str, str]]:
    """(channel, ts) of each of the bot's messages about these rounds, once each."""
    refs = store.posted_messages(session, round_ids)
    found = {(r.channel, r.ts) for r in refs if r.kind not in NOT_MESSAGES}
    return sorted(found)


def _names(candidate: str) -> Callable[[dict[str, Any]], bool]:
    """Does a rendered message's payload name the candidate? Looked for as rendered
    (mrkdwn-escaped), as whole words, in any case."""
    words = [re.escape(escape(word)) for word in candidate.split()]
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)
    return lambda payload: pattern.search(_texts(payload)) is not None


def _texts(value: object) -> str:
    """Every string in a payload (its text, its blocks), one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_texts(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_texts(v) for v in value)
    return ""
