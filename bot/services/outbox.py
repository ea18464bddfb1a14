"""What a state change will say in Slack, written as outbox rows in the change's own
transaction. Nothing here talks to Slack: the dispatcher delivers the rows, rendering each
from the state as it is at delivery, so a late delivery never shows stale news."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot
from bot.domain.work_kinds import (
    OutboxKind,
    announce_key,
    announcement_key,
    brief_key,
    brief_refresh_key,
    decision_key,
    delete_key,
    summary_key,
    summary_refresh_key,
)
from storage.models import Outbox
from storage.work import add_once, add_or_rearm


class OutboxWriter:
    """Enqueues messages for one transaction (`session`), all due at `now`."""

    def __init__(self, session: Session, team_id: str, now: datetime) -> None:
        self.session = session
        self.team_id = team_id
        self.now = now

    # -- a round's living messages -------------------------------------------------------
    def round_started(self, snapshot: RoundSnapshot) -> None:
        self._once(
            announce_key(snapshot.id),
            OutboxKind.ANNOUNCE,
            snapshot,
            channel_id=snapshot.channel_id,
            label=f"the panel announcement for {snapshot.candidate_name}",
        )
        self.briefs(snapshot, [p.user_id for p in snapshot.panelists])

    def briefs(self, snapshot: RoundSnapshot, user_ids: Iterable[str]) -> None:
        for user_id in user_ids:
            self._once(
                brief_key(snapshot.id, user_id),
                OutboxKind.BRIEF,
                snapshot,
                user_id=user_id,
                label=f"the panel brief for {snapshot.candidate_name}",
            )

    def round_changed(
        self, snapshot: RoundSnapshot, *, summary_claimed: bool, briefs_of: Iterable[str] = ()
    ) -> None:
        """The announcement shows the new progress; the summary is posted by the change
        that claimed it, or refreshed after later edits; affected briefs are refreshed."""
        what = snapshot.candidate_name
        self._refresh(
            announcement_key(snapshot.id),
            OutboxKind.ANNOUNCEMENT,
            snapshot,
            channel_id=snapshot.channel_id,
            label=f"the update of the panel announcement for {what}",
        )
        if summary_claimed:
            self._once(
                summary_key(snapshot.id),
                OutboxKind.SUMMARY,
                snapshot,
                channel_id=snapshot.channel_id,
                label=f"the panel summary for {what}",
            )
        elif not snapshot.sealed:
            self._refresh(
                summary_refresh_key(snapshot.id),
                OutboxKind.SUMMARY_REFRESH,
                snapshot,
                channel_id=snapshot.channel_id,
                label=f"the update of the panel summary for {what}",
            )
        for user_id in dict.fromkeys(briefs_of):
            self._refresh(
                brief_refresh_key(snapshot.id, user_id),
                OutboxKind.BRIEF_REFRESH,
                snapshot,
                user_id=user_id,
                label=f"the update of the panel brief for {what}",
            )

    # -- reminders -----------------------------------------------------------------------
    def reminder(
        self, key: str, kind: OutboxKind, snapshot: RoundSnapshot, user_id: str, number: int
    ) -> None:
        self._once(
            key,
            kind,
            snapshot,
            user_id=user_id,
            label=f"a feedback reminder for {snapshot.candidate_name}",
            payload={"n": number},
        )

    # -- the decision ----------------------------------------------------------------------
    def decision(self, snapshot: RoundSnapshot, version: int) -> None:
        """Post this version of the decision in the summary's thread (rendered at delivery
        from the stored version)."""
        self._once(
            decision_key(snapshot.id, version),
            OutboxKind.DECISION,
            snapshot,
            channel_id=snapshot.channel_id,
            label=f"the decision on {snapshot.candidate_name}",
            payload={"version": version},
        )

    # -- anything rendered now -----------------------------------------------------------
    def post(
        self,
        key: str,
        message: Message,
        *,
        label: str,
        channel_id: str | None = None,
        user_id: str | None = None,
        notify_user_id: str | None = None,
        round_id: int | None = None,
    ) -> None:
        """A message fixed at enqueue time, to a channel or (`user_id`) a DM."""
        self._add(
            key,
            OutboxKind.POST,
            {"label": label, "text": message.text, "blocks": message.blocks},
            round_id=round_id,
            channel_id=channel_id,
            user_id=user_id,
            notify_user_id=notify_user_id,
        )

    def upload(
        self,
        key: str,
        kind: OutboxKind,
        *,
        label: str,
        channel_id: str | None = None,
        user_id: str | None = None,
        notify_user_id: str | None = None,
        **payload: object,
    ) -> None:
        """A file made at delivery (a heatmap, an export) from `payload`, to a channel or
        (`user_id`) a DM."""
        self._add(
            key,
            kind,
            {"label": label, **payload},
            channel_id=channel_id,
            user_id=user_id,
            notify_user_id=notify_user_id,
        )

    def delete_message(self, channel: str, ts: str) -> str:
        """Delete one of the bot's messages (chat.delete); returns the row's key. Bound to
        no round (the round is gone by then) and holding only where the message is: the
        row says nothing about what the message was about."""
        key = delete_key(channel, ts)
        self._add(key, OutboxKind.DELETE, {"channel": channel, "ts": ts}, channel_id=channel)
        return key

    # -- helpers -------------------------------------------------------------------------
    def _add(self, key: str, kind: OutboxKind, payload: dict[str, Any], **where: Any) -> None:
        """A row due now, sent once; `where` says where to (channel, DM, round, notify)."""
        add_once(
            self.session,
            Outbox,
            team_id=self.team_id,
            key=key,
            kind=kind,
            due_at=self.now,
            created_at=self.now,
            payload=payload,
            **where,
        )

    def _row(
        self,
        key: str,
        kind: OutboxKind,
        snapshot: RoundSnapshot,
        label: str,
        payload: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "key": key,
            "kind": kind,
            "due_at": self.now,
            "created_at": self.now,
            "round_id": snapshot.id,
            "notify_user_id": snapshot.organizer_id,
            "payload": {"label": label, **(payload or {})},
            **fields,
        }

    def _once(
        self,
        key: str,
        kind: OutboxKind,
        snapshot: RoundSnapshot,
        *,
        label: str,
        payload: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        add_once(self.session, Outbox, **self._row(key, kind, snapshot, label, payload, **fields))

    def _refresh(
        self, key: str, kind: OutboxKind, snapshot: RoundSnapshot, *, label: str, **fields: Any
    ) -> None:
        add_or_rearm(self.session, **self._row(key, kind, snapshot, label, **fields))
