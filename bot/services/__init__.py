"""Use cases. Each service owns its transactions; handlers call them and render."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.services.comparisons import ComparisonService
from bot.services.context import Resources
from bot.services.decisions import DecisionService
from bot.services.digests import DigestService
from bot.services.dispatcher import Dispatcher
from bot.services.due_work import DueWorkRunner
from bot.services.evidence import EvidenceService
from bot.services.feedback import FeedbackService
from bot.services.focus import FocusService
from bot.services.installs import InstallService
from bot.services.outcomes import OutcomeService
from bot.services.overview import OverviewService
from bot.services.reminder_actions import ReminderService
from bot.services.retention import RetentionService
from bot.services.rounds import RoundService
from bot.services.rubrics import RubricService
from bot.services.validity import ValidityService
from bot.services.workspace_settings import SettingsService
from bot.slack.tokens import TeamClients


@dataclass(frozen=True)
class Services:
    resources: Resources
    rounds: RoundService
    feedback: FeedbackService
    overview: OverviewService
    reminders: ReminderService
    digests: DigestService
    settings: SettingsService
    comparisons: ComparisonService
    rubrics: RubricService
    evidence: EvidenceService
    dispatcher: Dispatcher
    due_work: DueWorkRunner
    installs: InstallService
    retention: RetentionService
    decisions: DecisionService
    focus: FocusService
    outcomes: OutcomeService
    validity: ValidityService

    @classmethod
    def build(
        cls,
        resources: Resources,
        dispatch_clients: TeamClients,
        *,
        oauth_client_id: str | None = None,
    ) -> Services:
        """`dispatch_clients` send the outbox, each row with its team's token: they must not
        retry by themselves (the outbox does, with backoff, without holding a lease while it
        sleeps). `oauth_client_id`: the app's, when workspaces install through OAuth."""
        return cls(
            resources=resources,
            rounds=RoundService(resources),
            feedback=FeedbackService(resources),
            overview=OverviewService(resources),
            reminders=ReminderService(resources),
            digests=DigestService(resources),
            settings=SettingsService(resources),
            comparisons=ComparisonService(resources),
            rubrics=RubricService(resources),
            evidence=EvidenceService(resources),
            dispatcher=Dispatcher(resources, dispatch_clients),
            due_work=DueWorkRunner(resources),
            installs=InstallService(resources, oauth_client_id),
            retention=RetentionService(resources),
            decisions=DecisionService(resources),
            focus=FocusService(resources),
            outcomes=OutcomeService(resources),
            validity=ValidityService(resources),
        )

    def tick(self, budget: float = 20.0) -> None:
        """One pass of the scheduler: due work first (it may enqueue messages), then the
        outbox, then (hourly) the retention purge in what is left of the budget."""
        started = time.monotonic()
        self.due_work.run(budget=budget / 2)
        self.dispatcher.run(budget=budget / 2)
        self.retention.purge_if_due(budget=max(budget - (time.monotonic() - started), 1.0))

    def stop(self) -> None:
        """Finish the row in hand, hand back the rest of the claimed rows."""
        self.due_work.stopping.set()
        self.dispatcher.stopping.set()
        self.retention.stopping.set()
