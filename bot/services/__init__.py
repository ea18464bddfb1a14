"""Use cases. Each service owns its transactions; handlers call them and render."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.services.comparisons import ComparisonService
from bot.services.context import Deps
from bot.services.digests import DigestService
from bot.services.dispatcher import Dispatcher
from bot.services.due_work import DueWorkRunner
from bot.services.feedback import FeedbackService
from bot.services.overview import OverviewService
from bot.services.reminders import ReminderService
from bot.services.rounds import RoundService
from bot.services.rubrics import RubricService
from bot.services.settings import SettingsService


@dataclass(frozen=True)
class Services:
    deps: Deps
    rounds: RoundService
    feedback: FeedbackService
    overview: OverviewService
    reminders: ReminderService
    digests: DigestService
    settings: SettingsService
    comparisons: ComparisonService
    rubrics: RubricService
    dispatcher: Dispatcher
    due_work: DueWorkRunner

    @classmethod
    def build(cls, deps: Deps, dispatch_client: WebClient) -> Services:
        """`dispatch_client` sends the outbox: it must not retry by itself (the outbox
        does, with backoff, without holding a lease while it sleeps)."""
        return cls(
            deps=deps,
            rounds=RoundService(deps),
            feedback=FeedbackService(deps),
            overview=OverviewService(deps),
            reminders=ReminderService(deps),
            digests=DigestService(deps),
            settings=SettingsService(deps),
            comparisons=ComparisonService(deps),
            rubrics=RubricService(deps),
            dispatcher=Dispatcher(deps, dispatch_client),
            due_work=DueWorkRunner(deps),
        )

    def tick(self, budget: float = 20.0) -> None:
        """One pass of the scheduler: due work first (it may enqueue messages), then the
        outbox."""
        self.due_work.run(budget=budget / 2)
        self.dispatcher.run(budget=budget / 2)

    def stop(self) -> None:
        """Finish the row in hand, hand back the rest of the claimed rows."""
        self.due_work.stopping.set()
        self.dispatcher.stopping.set()
