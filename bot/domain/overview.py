"""One person's rounds, as the App Home tab and /panel status show them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.panel import RoundSnapshot


@dataclass(frozen=True)
class Overview:
    owed: list[RoundSnapshot]  # I sit on it and have not submitted
    editable: list[RoundSnapshot]  # I submitted; I can still edit
    organized: list[RoundSnapshot]
    # Finished rounds I organize: no decision yet, and decided in the last 30 days.
    awaiting_decision: list[RoundSnapshot] = field(default_factory=list)
    decided: list[RoundSnapshot] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return any((self.owed, self.editable, self.organized, self.awaiting_decision, self.decided))
