"""Every message the bot sends because a round changed. Runs after the change committed
(and after ack), reads the round fresh, and records what Slack answered (ts)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from functools import partial

from sqlalchemy import select, update

from bot.domain.feedback import PanelistFeedback
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import summarize
from bot.services.context import Deps
from bot.services.snapshots import snapshot_with_feedback
from bot.views.announcement import announcement
from bot.views.brief import brief
from bot.views.common import Message
from bot.views.summary import summary_message
from storage import queries
from storage.models import Panelist, Round

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def round_started(self, team_id: str, round_id: int) -> None:
        loaded = self._load(team_id, round_id)
        if loaded is None:
            return
        snap, _ = loaded
        if snap.announcement_ts is None:
            self._safely("announce", lambda: self._announce(snap))
        self.send_briefs(snap, [p.user_id for p in snap.panelists])

    def round_changed(
        self,
        team_id: str,
        round_id: int,
        *,
        summary_claimed: bool = False,
        briefs_of: Iterable[str] = (),
    ) -> None:
        """Refresh the announcement, post or refresh the summary, refresh panelists' DMs."""
        loaded = self._load(team_id, round_id)
        if loaded is None:
            return
        snap, feedback = loaded
        if snap.announcement_ts:
            message = announcement(snap)
            self._safely(
                "refresh announcement",
                lambda: self.deps.slack.update(
                    snap.channel_id, snap.announcement_ts or "", message.text, message.blocks
                ),
            )
        if summary_claimed:
            self._safely("post summary", lambda: self._post_summary(snap, feedback))
        elif snap.summary_ts and not snap.sealed:
            self._safely("refresh summary", lambda: self._refresh_summary(snap, feedback))
        self.refresh_briefs(snap, briefs_of)

    def send_briefs(self, snap: RoundSnapshot, user_ids: Iterable[str]) -> None:
        for user_id in user_ids:
            self._safely(f"brief {user_id}", partial(self._send_brief, snap, user_id))

    def refresh_briefs(self, snap: RoundSnapshot, user_ids: Iterable[str]) -> None:
        wanted = set(user_ids)
        with self.deps.db.read() as session:
            rows = session.execute(
                select(Panelist.user_id, Panelist.dm_channel, Panelist.dm_ts).where(
                    Panelist.round_id == snap.id,
                    Panelist.team_id == snap.team_id,
                    Panelist.dm_ts.is_not(None),
                )
            ).all()
        for user_id, channel, ts in rows:
            if user_id in wanted and channel and ts:
                message = brief(snap, user_id)
                self._safely(
                    f"refresh brief {user_id}",
                    partial(self.deps.slack.update, channel, ts, message.text, message.blocks),
                )

    # -- the sends ---------------------------------------------------------
    def _announce(self, snap: RoundSnapshot) -> None:
        message = announcement(snap)
        ts = self.deps.slack.post(snap.channel_id, message.text, message.blocks)
        self._record(snap.id, announcement_ts=ts)
        log.info("announced round %s in %s", snap.id, snap.channel_id)

    def _send_brief(self, snap: RoundSnapshot, user_id: str) -> None:
        channel = self.deps.slack.open_dm(user_id)
        message = brief(snap, user_id)
        ts = self.deps.slack.post(channel, message.text, message.blocks)
        with self.deps.db.transaction() as session:
            session.execute(
                update(Panelist)
                .where(Panelist.round_id == snap.id, Panelist.user_id == user_id)
                .values(dm_channel=channel, dm_ts=ts)
            )

    def _post_summary(self, snap: RoundSnapshot, feedback: list[PanelistFeedback]) -> None:
        message = _summary(snap, feedback)
        ts = self.deps.slack.post(
            snap.channel_id, message.text, message.blocks, thread_ts=snap.announcement_ts
        )
        self._record(snap.id, summary_ts=ts)
        log.info("summary of round %s posted", snap.id)

    def _refresh_summary(self, snap: RoundSnapshot, feedback: list[PanelistFeedback]) -> None:
        message = _summary(snap, feedback)
        self.deps.slack.update(snap.channel_id, snap.summary_ts or "", message.text, message.blocks)

    # -- helpers -----------------------------------------------------------
    def _load(
        self, team_id: str, round_id: int
    ) -> tuple[RoundSnapshot, list[PanelistFeedback]] | None:
        """The round as it is now (not as the caller saw it), or None if it is gone."""
        with self.deps.db.read() as session:
            rnd = queries.get_round(session, team_id, round_id)
            return snapshot_with_feedback(session, rnd) if rnd else None

    def _record(self, round_id: int, **message_ts: str) -> None:
        """Keep the ts Slack gave a message, so later changes update it instead of reposting."""
        with self.deps.db.transaction() as session:
            session.execute(update(Round).where(Round.id == round_id).values(**message_ts))

    def _safely(self, what: str, send: Callable[[], None]) -> None:
        """One failed message must not stop the others; each failure is logged with an id."""
        try:
            send()
        except Exception:
            log.exception("could not %s (error id %s)", what, uuid.uuid4().hex[:8])


def _summary(snap: RoundSnapshot, feedback: list[PanelistFeedback]) -> Message:
    stats = summarize(snap.rubric, feedback, list(snap.questions))
    return summary_message(snap, stats, feedback)
