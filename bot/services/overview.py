"""Where am I? The rounds a user organizes or sits on, for /panel status and App Home."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.overview import Overview
from bot.services import snapshot_rows
from bot.services.context import Resources
from storage import queries

# Decisions stay on the organizer's Home this long after they are made.
DECIDED_SHOWN = timedelta(days=30)


class OverviewService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def for_user(self, team_id: str, user_id: str) -> Overview:
        since = self.resources.now() - DECIDED_SHOWN
        with self.resources.db.read() as session:
            who = {"team_id": team_id, "user_id": user_id}
            snaps = snapshot_rows.snapshots(session, queries.USER_ROUNDS, who)
            after = snapshot_rows.snapshots(
                session, queries.ORGANIZED_AFTER_SUMMARY, {**who, "decided_since": since}
            )
        sitting = [s for s in snaps if s.has_panelist(user_id)]
        # A finished round awaiting its organizer's decision is listed there, not twice.
        listed_after = {s.id for s in after}
        return Overview(
            owed=[s for s in sitting if not s.submitted(user_id)],
            editable=[s for s in sitting if s.submitted(user_id)],
            organized=[s for s in snaps if s.organizer_id == user_id and s.id not in listed_after],
            awaiting_decision=[s for s in after if not s.decision],
            decided=[s for s in after if s.decision],
        )
