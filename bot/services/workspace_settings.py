"""Workspace settings: the reminder cadence (`/panel reminders …`)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.schedule import Cadence, ReminderCommand
from bot.errors import NotAllowed
from bot.services.context import Resources
from bot.services.reminder_schedule import cadence_of, schedule_round
from storage import queries
from storage.models import WorkspaceSettings


def describe_cadence(cadence: Cadence) -> str:
    if not cadence.enabled:
        return "Reminders are off in this workspace."
    return (
        f"Panelists who still owe feedback are reminded {_span(cadence.after_interview)} "
        f"after the interview ends, at the due time, then every {_span(cadence.every)}, "
        "never between 20:00 and 08:00 or at weekends in their own time zone."
    )


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"


class SettingsService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def reminders(self, team_id: str, user_id: str, command: ReminderCommand) -> str:
        if command.action == "show":
            with self.resources.db.read() as session:
                return describe_cadence(cadence_of(session, team_id))
        if not self.resources.slack.is_admin(team_id, user_id):
            raise NotAllowed("Only a workspace admin or owner can change the reminder schedule.")
        cadence = command.cadence if command.action == "set" else None
        with self.resources.db.transaction() as session:
            row = session.get(WorkspaceSettings, team_id)
            if row is None:
                row = WorkspaceSettings(team_id=team_id)
                session.add(row)
            row.nudges_enabled = cadence is not None and cadence.enabled
            if cadence is not None:
                row.nudge_after_minutes = int(cadence.after_interview.total_seconds() // 60)
                row.nudge_every_minutes = int(cadence.every.total_seconds() // 60)
            row.updated_by = user_id
            row.updated_at = now = self.resources.now()
            session.flush()
            if row.nudges_enabled:
                # Chains of nudges ended while reminders were off: start them again from now.
                for rnd in queries.open_rounds(session, team_id):
                    schedule_round(
                        session, rnd, [p.user_id for p in rnd.panelists if p.active], now
                    )
            return describe_cadence(cadence_of(session, team_id))
