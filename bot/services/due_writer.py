"""What will be due later, written as due-work rows in the change's own transaction (as
bot/services/outbox.py writes what a change says now). Each row's key comes from
bot/domain/work_kinds.py; bot/services/due_work.py handles each kind when it falls due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.work_kinds import (
    DueKind,
    check_in_key,
    decide_key,
    digest_key,
    escalate_key,
    nudge_key,
    nudge_now_key,
    pre_interview_key,
    snooze_key,
)
from storage.models import DueWork
from storage.work import add_once, add_or_reschedule


class DueWorkWriter:
    """Adds due work for one transaction (`session`) of one team. A row whose key exists is
    left as it is (a retry, a double click), except those that can move (`_move`)."""

    def __init__(self, session: Session, team_id: str) -> None:
        self.session = session
        self.team_id = team_id

    # -- a panelist's reminders ----------------------------------------------------------
    def nudge(self, round_id: int, user_id: str, number: int, at: datetime) -> None:
        """Regular reminder `number` (1 after the interview, 2 at the due time, …)."""
        key = nudge_key(round_id, user_id, number)
        self._add(key, DueKind.NUDGE, at, round_id, user_id, {"n": number, "regular": True})

    def snooze(self, round_id: int, user_id: str, number: int, until: datetime) -> None:
        """Reminder `number` again at `until`; keyed by the nudge snoozed (a click snoozes once)."""
        key = snooze_key(round_id, user_id, number)
        self._add(key, DueKind.NUDGE, until, round_id, user_id, {"n": number})

    def nudge_now(self, round_id: int, user_id: str, message_ts: str, now: datetime) -> None:
        """The organizer's "Nudge them now", keyed by the escalation message clicked."""
        key = nudge_now_key(round_id, user_id, message_ts)
        self._add(key, DueKind.NUDGE, now, round_id, user_id, {"n": 0})

    def pre_interview(self, round_id: int, user_id: str, at: datetime) -> None:
        key = pre_interview_key(round_id, user_id)
        self._add(key, DueKind.PRE_INTERVIEW, at, round_id, user_id)

    # -- the organizer's -----------------------------------------------------------------
    def escalation(self, round_id: int, at: datetime) -> None:
        self._add(escalate_key(round_id), DueKind.ESCALATE, at, round_id)

    def decision_nudge(self, round_id: int, organizer_id: str, number: int, at: datetime) -> None:
        """Nudge `number` to the organizer to record the decision on the finished round."""
        key = decide_key(round_id, number)
        self._add(key, DueKind.DECIDE, at, round_id, organizer_id, {"n": number})

    def check_in(self, round_id: int, organizer_id: str, months: int, at: datetime) -> None:
        """A hire's check-in `months` after the start; a changed start date moves it."""
        key = check_in_key(round_id, months)
        where = {"round_id": round_id, "user_id": organizer_id, "payload": {"months": months}}
        self._move(key, DueKind.CHECK_IN, at, **where)

    # -- a channel's ---------------------------------------------------------------------
    def digest(self, channel_id: str, period: str, at: datetime) -> None:
        """The channel's digest of `period`; moved when the schedule changes, never posted
        twice for one period."""
        self._move(digest_key(channel_id, period), DueKind.DIGEST, at, channel_id=channel_id)

    # -- helpers -------------------------------------------------------------------------
    def _add(
        self,
        key: str,
        kind: DueKind,
        at: datetime,
        round_id: int,
        user_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        add_once(
            self.session,
            DueWork,
            team_id=self.team_id,
            key=key,
            kind=kind,
            due_at=at,
            round_id=round_id,
            user_id=user_id,
            payload=payload or {},
        )

    def _move(self, key: str, kind: DueKind, at: datetime, **where: Any) -> None:
        """Add it, or move a pending or cancelled row with this key to `at`."""
        add_or_reschedule(
            self.session, DueWork, team_id=self.team_id, key=key, kind=kind, due_at=at, **where
        )
