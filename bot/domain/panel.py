"""A round as every view and rule sees it: a snapshot, detached from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum, nonmember

from bot.domain.rubric import Rubric


class Status(StrEnum):
    """open: collecting, sealed · complete: all in, summary out, edits allowed ·
    closed: final (partial if someone never submitted) · cancelled. Stored as these strings
    (`rounds.status`)."""

    OPEN = "open"
    COMPLETE = "complete"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    # Groups, not members (nonmember); in the class body the names are still their strings.
    ACCEPTING_FEEDBACK = nonmember((OPEN, COMPLETE))
    FINISHED = nonmember((COMPLETE, CLOSED))  # the summary is out: compared, decided, counted


@dataclass(frozen=True)
class PanelistState:
    user_id: str
    name: str
    submitted: bool
    focus: tuple[str, ...] = ()  # criterion keys they must rate; () means every criterion


@dataclass(frozen=True)
class RoundSnapshot:
    id: int
    team_id: str
    candidate_name: str
    profile_link: str | None
    role_name: str
    organizer_id: str
    channel_id: str
    interview_at: datetime
    due_at: datetime
    rubric: Rubric
    status: Status
    questions: tuple[tuple[int, str], ...]
    panelists: tuple[PanelistState, ...]  # active panelists only
    announcement_ts: str | None = None
    summary_ts: str | None = None
    decision: str | None = None  # the latest decision's outcome (bot.domain.decision)
    decided_at: datetime | None = None

    @property
    def submitted_count(self) -> int:
        return sum(p.submitted for p in self.panelists)

    @property
    def missing(self) -> tuple[PanelistState, ...]:
        return tuple(p for p in self.panelists if not p.submitted)

    @property
    def sealed(self) -> bool:
        """Feedback stays hidden until the panel completes or the organizer closes it."""
        return self.status in (Status.OPEN, Status.CANCELLED)

    @property
    def accepting_feedback(self) -> bool:
        return self.status in Status.ACCEPTING_FEEDBACK

    @property
    def partial(self) -> bool:
        return self.status == Status.CLOSED and bool(self.missing)

    def has_panelist(self, user_id: str) -> bool:
        return any(p.user_id == user_id for p in self.panelists)

    def submitted(self, user_id: str) -> bool:
        return any(p.user_id == user_id and p.submitted for p in self.panelists)

    def focus_of(self, user_id: str) -> tuple[str, ...]:
        """The criteria the panelist must rate, in rubric order: their focus areas, or every
        criterion when they have none (a panel formed before focus areas)."""
        mine = next((p.focus for p in self.panelists if p.user_id == user_id), ())
        keys = [c.key for c in self.rubric.criteria]
        return tuple(k for k in keys if k in mine) or tuple(keys)

    @property
    def focus_assigned(self) -> bool:
        return any(p.focus for p in self.panelists)
