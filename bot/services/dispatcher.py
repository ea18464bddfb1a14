"""Delivers the outbox: claims due rows with a lease, sends each one, records Slack's
answer. 429s wait for Retry-After, 5xx and timeouts back off and retry, permanent refusals
are marked failed and the organizer is told what could not be delivered and why.

The only duplicate window: Slack accepted a post but we never recorded it (the process died
between Slack's answer and our commit, or the answer was lost to a timeout); the row's lease
then runs out and another attempt posts again. See docs/delivery.md.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.domain.work_kinds import undeliverable_key
from bot.services import deliveries
from bot.services.claim_rounds import ClaimRounds
from bot.services.context import Resources
from bot.services.deliveries import Delete, Edit, Post, Skip, Upload, Wait
from bot.services.outbox import OutboxWriter
from bot.services.work_loop import Claim, WorkLoop
from bot.slack.errors import TOKEN_ERRORS, TRY_LATER_ERRORS, SlackError
from bot.slack.tokens import TeamClients, TeamNotInstalled
from storage.models import Outbox, WorkState
from storage.work import Scope, finish

log = logging.getLogger(__name__)

BATCH = 25
WAIT_FOR_PREREQUISITE = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=15)
# Slack down for longer than this: the message is stale; give up and say so.
GIVE_UP_AFTER = timedelta(days=2)
NOT_INSTALLED = "not sent: Panelbot is no longer installed in this workspace (no token)"


@dataclass
class DispatchStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    waiting: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, other: DispatchStats) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.retried += other.retried
        self.waiting += other.waiting
        for code, n in other.errors.items():
            self.errors[code] = self.errors.get(code, 0) + n


@dataclass(frozen=True)
class Retry:
    after: timedelta
    error: str


@dataclass(frozen=True)
class Refused:
    error: str


def classify(exc: Exception) -> Retry | Refused:
    """What a failed Slack call means for the message."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error") or f"http_{response.status_code}")
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after")
            seconds = int(retry_after[0] if isinstance(retry_after, list) else retry_after or 1)
            return Retry(timedelta(seconds=max(seconds, 1)), SlackError.RATELIMITED)
        if response.status_code >= 500 or error in TRY_LATER_ERRORS:
            return Retry(timedelta(0), error)
        return Refused(error)
    # Timeouts, refused connections, resets: Slack may or may not have acted.
    return Retry(timedelta(0), type(exc).__name__)


def backoff(attempts: int, floor: timedelta) -> timedelta:
    """Exponential with jitter, so instances that failed together don't retry together."""
    seconds = min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF.total_seconds())
    return max(floor, timedelta(seconds=seconds * random.uniform(0.8, 1.2)))


@dataclass(frozen=True)
class Claimed:
    """An outbox row in hand: its lease token, and the generation we are delivering."""

    row: Outbox
    token: str
    generation: int


class Dispatcher:
    def __init__(
        self, resources: Resources, clients: TeamClients, owner: str | None = None
    ) -> None:
        """`clients`: a Slack client per team, so each row goes out with its team's token."""
        self.resources = resources
        self.clients = clients
        owner = owner or f"dispatch-{uuid.uuid4().hex[:12]}"
        self.loop = WorkLoop(resources, Outbox, owner, BATCH, whole_rows=True)
        self.stopping = self.loop.stopping
        self._local = threading.local()  # each thread's ClaimRounds

    def run(self, *, only: Scope | None = None, budget: float = 20.0) -> DispatchStats:
        """Deliver due rows (matching `only`) until none are left or `budget` seconds pass."""
        stats = DispatchStats()
        try:
            self.loop.drain(
                lambda row_id, claim: self._deliver(row_id, claim, stats),
                budget=budget,
                only=only,
            )
        finally:  # a claim's rounds (candidates' feedback) are not kept past its delivery
            self._local.__dict__.pop("rounds", None)
        return stats

    def deliver_round(self, round_id: int) -> DispatchStats:
        """Send what a request just enqueued for this round, right after its ack; the tick
        is the safety net for anything that fails here."""
        return self._right_away(Scope("round_id", round_id))

    def deliver_unbound(
        self, team_id: str, *, channel_id: str | None = None, user_id: str | None = None
    ) -> DispatchStats:
        """Send what a command just enqueued outside any round (a digest, a comparison, an
        export) for this channel or this person's DM, in this workspace."""
        column, value = ("channel_id", channel_id) if channel_id else ("user_id", user_id)
        if not value:
            raise ValueError("deliver_unbound needs a channel or a person")
        return self._right_away(Scope(column, value, unbound=True, team_id=team_id))

    def _right_away(self, only: Scope) -> DispatchStats:
        """After an ack, what the person did is committed and its messages are in the
        outbox: a failure here (the database lost mid-delivery) is the tick's to retry, and
        is logged, never told to the person as if their action had failed."""
        try:
            return self.run(only=only, budget=10.0)
        except Exception:
            log.exception("delivering right after a request failed; the next tick retries")
            return DispatchStats()

    # -- one row ---------------------------------------------------------------------------
    def _deliver(self, row_id: int, claim: Claim, stats: DispatchStats) -> bool:
        """Whether the row is pending again at once: a newer change re-armed it meanwhile."""
        # The rows of one claim share their round's state (bot/services/claim_rounds.py).
        claim_rounds: ClaimRounds | None = getattr(self._local, "rounds", None)
        if claim_rounds is None or claim_rounds.claim.token != claim.token:
            claim_rounds = self._local.rounds = ClaimRounds.start(claim)
        with self.resources.db.read() as session:
            rows = claim_rounds.row(session, row_id)
            if not rows:
                return False  # the lease ran out and someone else has it
            claimed = Claimed(rows[0], claim.token, rows[0].generation)
            try:
                step: deliveries.Plan | Retry = deliveries.plan(
                    session,
                    claimed.row,
                    self.resources.render,
                    claim_rounds.usable(claimed.row),
                )
            except SQLAlchemyError:
                # The database failed under the rendering (a restart, a cut connection):
                # not the row's fault, and this session is unusable; the caller's error.
                raise
            except Exception:  # a rendering bug must not wedge the queue
                error_id = uuid.uuid4().hex[:8]
                log.exception("could not render outbox row %s (error id %s)", row_id, error_id)
                step = Retry(timedelta(0), f"render error {error_id}")
        if isinstance(step, Retry):
            return self._retry_or_give_up(claimed, step, stats)
        if isinstance(step, Skip):
            now = self.resources.now()
            stats.skipped += 1
            return self._finish(
                claimed, **_final(claimed, WorkState.SKIPPED, now), last_error=step.reason
            )
        if isinstance(step, Wait):
            stats.waiting += 1
            return self._finish(claimed, due_at=self.resources.now() + WAIT_FOR_PREREQUISITE)
        return self._send_and_record(claimed, step, stats)

    def _send_and_record(
        self, claimed: Claimed, step: Post | Edit | Upload | Delete, stats: DispatchStats
    ) -> bool:
        client = self._client_for(claimed, stats)
        if client is None:
            return False
        try:
            channel, ts = self._send(client, step)
        except Exception as exc:
            outcome = classify(exc)
            stats.errors[outcome.error] = stats.errors.get(outcome.error, 0) + 1
            if isinstance(outcome, Refused) and outcome.error in TOKEN_ERRORS:
                return self._token_refused(claimed, client.token, outcome, stats)
            if isinstance(outcome, Refused):
                return self._refused(claimed, outcome, stats)
            return self._retry_or_give_up(claimed, outcome, stats)
        claim_rounds: ClaimRounds = self._local.rounds
        # A message kept on its round: the round's state is out of the cache while its ts changes.
        before = claim_rounds.forget(claimed.row.round_id, claimed.row.kind)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            deliveries.lock_recorded_round(session, claimed.row)
            status = finish(
                session,
                Outbox,
                claimed.row.id,
                claimed.token,
                **_final(claimed, WorkState.SENT, now),
                result_channel=channel,
                result_ts=ts,
                count_attempt=True,
                last_error=None,
            )
            again = status == WorkState.PENDING  # re-armed: the newer state goes out too
            if status:
                deliveries.record(session, claimed.row, channel, ts)
                if before is not None:  # the claim's next rows see the ts without a read
                    claim_rounds.keep(deliveries.recorded(before, claimed.row, channel, ts))
            elif isinstance(step, Post) and session.get(Outbox, claimed.row.id) is None:
                # The row's round was erased (/panel forget) while this message was on its
                # way: the message goes too, right away.
                OutboxWriter(session, claimed.row.team_id, now).delete_message(channel, ts)
                again = True
            else:
                log.warning("outbox row %s was sent after its lease ran out", claimed.row.id)
            self._read_ahead(session, claimed)
        stats.sent += 1
        return again

    def _send(self, client: WebClient, step: Post | Edit | Upload | Delete) -> tuple[str, str]:
        """Make the Slack calls; (channel, ts) of the message, or the file's id."""
        if isinstance(step, Delete):
            try:
                client.chat_delete(channel=step.channel, ts=step.ts)
            except SlackApiError as exc:
                # Already gone (deleted by a person, or by an earlier try): that is done.
                if exc.response.get("error") != SlackError.MESSAGE_NOT_FOUND:
                    raise
            return step.channel, step.ts
        if isinstance(step, Edit):
            client.chat_update(
                channel=step.channel, ts=step.ts, text=step.message.text, blocks=step.message.blocks
            )
            return step.channel, step.ts
        channel = step.channel
        if channel is None:
            channel = str(client.conversations_open(users=step.user_id)["channel"]["id"])
        if isinstance(step, Upload):
            uploaded = client.files_upload_v2(
                channel=channel,
                file=step.content,
                filename=step.filename,
                title=step.title,
                request_file_info=False,
            )
            files = uploaded.get("files") or [{}]
            return channel, str(files[0].get("id") or "")
        reply = client.chat_postMessage(
            channel=channel,
            text=step.message.text,
            blocks=step.message.blocks,
            thread_ts=step.thread_ts,
        )
        return str(reply.get("channel") or channel), str(reply["ts"])

    # -- the team's token ---------------------------------------------------------------
    def _client_for(self, claimed: Claimed, stats: DispatchStats) -> WebClient | None:
        """The row's team's client, or None once the row is settled without one (then
        without a newer change pending: a missing token skips it too)."""
        try:
            return self.clients.for_team(claimed.row.team_id)
        except TeamNotInstalled:
            self._not_installed(claimed, stats)
        except Exception as exc:  # the database, or Slack refusing a token refresh
            log.warning("no token for team %s: %r", claimed.row.team_id, exc)
            self._retry_or_give_up(claimed, Retry(timedelta(0), f"no token: {exc!r}"), stats)
        return None

    def _token_refused(
        self, claimed: Claimed, used: str | None, outcome: Refused, stats: DispatchStats
    ) -> bool:
        """Ask the store again: no token (uninstalled) skips the row; a newer one (rotated,
        reinstalled) or an expired one (rotated on the next try) retries; the same token
        again no longer works, and nobody in the team can be told: the row fails quietly."""
        team_id = claimed.row.team_id
        self.clients.forget(team_id)
        try:
            fresh = self.clients.tokens.bot_token(team_id)
        except TeamNotInstalled:
            return self._not_installed(claimed, stats)
        except Exception as exc:
            fresh = f"unknown ({exc!r})"
        if fresh != used or outcome.error == SlackError.TOKEN_EXPIRED:
            return self._retry_or_give_up(claimed, Retry(timedelta(0), outcome.error), stats)
        log.warning("team %s: Slack refused its token (%s)", team_id, outcome.error)
        stats.failed += 1
        return self._finish(
            claimed,
            **_final(claimed, WorkState.FAILED, self.resources.now()),
            attempts=claimed.row.attempts + 1,
            last_error=f"{outcome.error}: Slack no longer accepts this workspace's token",
        )

    def _not_installed(self, claimed: Claimed, stats: DispatchStats) -> bool:
        now = self.resources.now()
        stats.skipped += 1
        return self._finish(
            claimed, **_final(claimed, WorkState.SKIPPED, now), last_error=NOT_INSTALLED
        )

    def _retry_or_give_up(self, claimed: Claimed, outcome: Retry, stats: DispatchStats) -> bool:
        now = self.resources.now()
        row = claimed.row
        if now - row.created_at > GIVE_UP_AFTER:
            return self._refused(claimed, Refused(f"gave up retrying: {outcome.error}"), stats)
        stats.retried += 1
        return self._finish(
            claimed,
            due_at=now + backoff(row.attempts + 1, outcome.after),
            attempts=row.attempts + 1,
            last_error=outcome.error,
        )

    def _refused(self, claimed: Claimed, outcome: Refused, stats: DispatchStats) -> bool:
        """Mark the row failed and, in the same transaction, tell whoever should know."""
        now = self.resources.now()
        row = claimed.row
        log.warning("outbox row %s (%s) refused by Slack: %s", row.id, row.key, outcome.error)
        with self.resources.db.transaction() as session:
            status = finish(
                session,
                Outbox,
                row.id,
                claimed.token,
                **_final(claimed, WorkState.FAILED, now),
                attempts=row.attempts + 1,
                last_error=outcome.error[:300],
            )
            self._read_ahead(session, claimed)
            if status is None:
                return False
            if status == WorkState.PENDING:
                return True  # a newer version re-armed it; it gets its own try
            if row.notify_user_id and row.notify_user_id != row.user_id:
                target = f"<#{row.channel_id}>" if row.channel_id else f"<@{row.user_id}>"
                OutboxWriter(session, row.team_id, now).post(
                    undeliverable_key(row.id),
                    self.resources.render.undeliverable_notice(
                        str(row.payload.get("label")), target, outcome.error
                    ),
                    label="a note about a message that could not be delivered",
                    user_id=row.notify_user_id,
                    round_id=row.round_id,
                )
                stats.failed += 1
                return True  # the notice is due now
        stats.failed += 1
        return False

    def _finish(self, claimed: Claimed, **values: Any) -> bool:
        """Finish the row with `values`; whether it is pending again at once (re-armed
        meanwhile, when `values` are `_final`'s)."""
        if isinstance(values.get("last_error"), str):
            values["last_error"] = values["last_error"][:300]
        with self.resources.db.transaction() as session:
            status = finish(session, Outbox, claimed.row.id, claimed.token, **values)
            self._read_ahead(session, claimed)
        return status == WorkState.PENDING and "unless_rearmed" in values

    def _read_ahead(self, session: Session, claimed: Claimed) -> None:
        """In the transaction that finishes a row, the read its claim's next row needs
        before it is rendered (ClaimRounds.read_ahead): one transaction fewer a row."""
        self._local.rounds.read_ahead(session, claimed.row.id)


def _final(claimed: Claimed, status: WorkState, now: datetime) -> dict[str, Any]:
    """Values that end a row, unless a newer change re-armed it while we worked on it:
    then it stays pending and is rendered again from the newer state (storage.work.finish)."""
    return {"status": status, "finished_at": now, "unless_rearmed": claimed.generation}
