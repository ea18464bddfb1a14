"""Use cases. Each service owns its transactions; handlers call them and render."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.context import Deps
from bot.services.feedback import FeedbackService
from bot.services.notifier import Notifier
from bot.services.overview import OverviewService
from bot.services.rounds import RoundService


@dataclass(frozen=True)
class Services:
    rounds: RoundService
    feedback: FeedbackService
    overview: OverviewService
    notifier: Notifier

    @classmethod
    def build(cls, deps: Deps) -> Services:
        return cls(
            rounds=RoundService(deps),
            feedback=FeedbackService(deps),
            overview=OverviewService(deps),
            notifier=Notifier(deps),
        )
