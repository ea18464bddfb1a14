"""What the New panel modal asks for, as read back from it (bot/views/new_panel.py) and
started by the rounds service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_DUE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class PanelForm:
    candidate_name: str
    profile_link: str
    role_name: str
    questions: list[str]
    panelist_ids: list[str]
    channel_id: str | None
    interview_at: datetime | None
    due_at: datetime | None
    rubric_key: str

    @property
    def due_or_default(self) -> datetime | None:
        if self.due_at is not None:
            return self.due_at
        return self.interview_at + DEFAULT_DUE_AFTER if self.interview_at else None
