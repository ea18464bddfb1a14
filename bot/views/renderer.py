"""bot/services/rendering.py's Renderer over the Block Kit views: each method hands its
arguments to the view of the same name. It matches the protocol by shape, so views need not
import services; bot/runtime/app.py gives it to the services."""

from __future__ import annotations

from datetime import date, datetime

from bot.codec import CompareState
from bot.domain.comparison import Comparison
from bot.domain.decision import DecisionVersion
from bot.domain.digest import Digest
from bot.domain.feedback import PanelistFeedback
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import PanelSummary
from bot.domain.validity import ValidityTable
from bot.views.announcement import announcement
from bot.views.brief import brief
from bot.views.comparison import comparison_message
from bot.views.comparison_heatmap import comparison_heatmap
from bot.views.decision import decision_message, decision_nudge_message, follow_ups_message
from bot.views.digest import digest_message
from bot.views.outcome import check_in_message
from bot.views.reminders import (
    escalation_message,
    not_attended_notice,
    nudge_message,
    pre_interview_message,
    undeliverable_notice,
)
from bot.views.summary import summary_message


class BlockKitRenderer:
    """Stateless; a method's name is its view's, which the body calls (the module's
    function: a method name does not shadow it)."""

    def announcement(self, snapshot: RoundSnapshot) -> Message:
        return announcement(snapshot)

    def brief(self, snapshot: RoundSnapshot, user_id: str) -> Message:
        return brief(snapshot, user_id)

    def summary_message(
        self, snapshot: RoundSnapshot, summary: PanelSummary, feedback: list[PanelistFeedback]
    ) -> Message:
        return summary_message(snapshot, summary, feedback)

    def nudge_message(self, snapshot: RoundSnapshot, user_id: str, nudges: int) -> Message:
        return nudge_message(snapshot, user_id, nudges)

    def pre_interview_message(self, snapshot: RoundSnapshot) -> Message:
        return pre_interview_message(snapshot)

    def escalation_message(self, snapshot: RoundSnapshot) -> Message:
        return escalation_message(snapshot)

    def not_attended_notice(self, snapshot: RoundSnapshot, user_id: str) -> Message:
        return not_attended_notice(snapshot, user_id)

    def decision_message(
        self,
        snapshot: RoundSnapshot,
        decision: DecisionVersion,
        previous: DecisionVersion | None,
        summary: PanelSummary,
    ) -> Message:
        return decision_message(snapshot, decision, previous, summary)

    def decision_nudge_message(self, snapshot: RoundSnapshot, finished_at: datetime) -> Message:
        return decision_nudge_message(snapshot, finished_at)

    def follow_ups_message(
        self, snapshot: RoundSnapshot, summary: PanelSummary, decision: DecisionVersion
    ) -> Message:
        return follow_ups_message(snapshot, summary, decision)

    def check_in_message(
        self, snapshot: RoundSnapshot, months: int, start: date, asked_by: str | None
    ) -> Message:
        return check_in_message(snapshot, months, start, asked_by)

    def undeliverable_notice(self, what: str, target: str, error: str) -> Message:
        return undeliverable_notice(what, target, error)

    def digest_message(self, digest: Digest) -> Message:
        return digest_message(digest)

    def comparison_message(self, comparison: Comparison, page: int, state: CompareState) -> Message:
        return comparison_message(comparison, page, state)

    def comparison_heatmap(self, comparison: Comparison) -> bytes:
        # The module is light; the picture loads matplotlib inside, only when drawn.
        return comparison_heatmap(comparison)

    def validity_png(self, role_name: str, table: ValidityTable) -> bytes:
        # Imported here, where the chart is drawn: validity_chart imports matplotlib.
        from bot.views.validity_chart import validity_png

        return validity_png(role_name, table)
