"""Erasing a candidate: how a candidate is named, what the confirmation lists and what the
erasure reports. Plain data; no Slack, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.panel import Status
from bot.domain.rubric_rules import name_key

# How candidate names are matched: as role and criterion names are (trimmed, inner spaces
# collapsed, in any case).
candidate_key = name_key


@dataclass(frozen=True)
class ErasableRound:
    """One of the candidate's rounds, as the confirmation lists it."""

    id: int
    role_name: str
    organizer_id: str
    status: Status
    started_at: datetime
    panelists: int  # active ones
    feedback: int


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing `candidate` would delete; `up_to` is the newest round id shown, so a
    round started after the person looked is not erased without being seen."""

    candidate: str
    rounds: tuple[ErasableRound, ...]
    messages: int  # the bot's Slack messages about them that will be deleted

    @property
    def up_to(self) -> int:
        return max(r.id for r in self.rounds)


@dataclass(frozen=True)
class Erased:
    """What an erasure deleted, per kind. All zero: there was nothing (left) to erase."""

    candidate: str
    rounds: int = 0
    panelists: int = 0
    feedback: int = 0
    decisions: int = 0  # versions of the hiring decision
    due_work: int = 0  # reminders and other scheduled work
    outbox: int = 0  # records of messages sent or to send
    messages: int = 0  # the bot's Slack messages being deleted
    channels: tuple[str, ...] = ()  # where those messages are

    @property
    def nothing(self) -> bool:
        return self.rounds == 0

    def parts(self) -> list[str]:
        """What was erased, one "N things" per kind."""
        kinds = [
            (self.rounds, "panel round", "panel rounds"),
            (self.panelists, "panelist", "panelists"),
            (self.feedback, "feedback submission", "feedback submissions"),
            (self.decisions, "decision version", "decision versions"),
            (self.due_work, "scheduled reminder or task", "scheduled reminders and tasks"),
            (self.outbox, "message record", "message records"),
            (self.messages, "Slack message (being deleted)", "Slack messages (being deleted)"),
        ]
        return [f"{n} {one if n == 1 else many}" for n, one, many in kinds]
