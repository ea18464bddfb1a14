"""The rendering port: every message (and picture) a service renders itself, to queue it
in the outbox or send it at delivery. Services see only this protocol, never a view: the
views package implements it (BlockKitRenderer, in its renderer module) and bot/runtime/app.py
hands that in as `Resources.render`. Each method has the name and signature of the view
function it stands for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.codec import CompareState
from bot.domain.comparison import Comparison
from bot.domain.decision import DecisionVersion
from bot.domain.digest import Digest
from bot.domain.feedback import PanelistFeedback
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import PanelSummary
from bot.domain.validity import ValidityTable


class Renderer(Protocol):
    # -- a round's messages ----------------------------------------------------------------
    def announcement(self, snapshot: RoundSnapshot) -> Message: ...

    def brief(self, snapshot: RoundSnapshot, user_id: str) -> Message: ...

    def summary_message(
        self, snapshot: RoundSnapshot, summary: PanelSummary, feedback: list[PanelistFeedback]
    ) -> Message: ...

    def nudge_message(self, snapshot: RoundSnapshot, user_id: str, nudges: int) -> Message: ...

    def pre_interview_message(self, snapshot: RoundSnapshot) -> Message: ...

    def escalation_message(self, snapshot: RoundSnapshot) -> Message: ...

    def not_attended_notice(self, snapshot: RoundSnapshot, user_id: str) -> Message: ...

    # -- decisions and outcomes -------------------------------------------------------------
    def decision_message(
        self,
        snapshot: RoundSnapshot,
        decision: DecisionVersion,
        previous: DecisionVersion | None,
        summary: PanelSummary,
    ) -> Message: ...

    def decision_nudge_message(self, snapshot: RoundSnapshot, finished_at: datetime) -> Message: ...

    def follow_ups_message(
        self, snapshot: RoundSnapshot, summary: PanelSummary, decision: DecisionVersion
    ) -> Message: ...

    def check_in_message(
        self, snapshot: RoundSnapshot, months: int, start: date, asked_by: str | None
    ) -> Message: ...

    # -- the outbox's own notice, digests, comparisons --------------------------------------
    def undeliverable_notice(self, what: str, target: str, error: str) -> Message: ...

    def digest_message(self, digest: Digest) -> Message: ...

    def comparison_message(
        self, comparison: Comparison, page: int, state: CompareState
    ) -> Message: ...

    # -- pictures (PNG bytes; they load matplotlib, so only the outbox's uploads call them) --
    def comparison_heatmap(self, comparison: Comparison) -> bytes: ...

    def validity_png(self, role_name: str, table: ValidityTable) -> bytes: ...
