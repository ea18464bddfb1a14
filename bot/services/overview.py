"""Where am I? The rounds a user organizes or sits on, for /panel status and App Home."""

from __future__ import annotations

from bot.services.context import Deps
from bot.services.snapshots import snapshot
from bot.views.overview import Overview
from storage import queries


class OverviewService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def for_user(self, team_id: str, user_id: str) -> Overview:
        with self.deps.db.read() as session:
            rounds = queries.rounds_for_user(session, team_id, user_id)
            submitted = queries.submitted_users(session, [r.id for r in rounds])
            snaps = [
                snapshot(session, r, {u for rid, u in submitted if rid == r.id}) for r in rounds
            ]
        sitting = [s for s in snaps if s.has_panelist(user_id)]
        return Overview(
            owed=[s for s in sitting if not s.submitted(user_id)],
            editable=[s for s in sitting if s.submitted(user_id)],
            organized=[s for s in snaps if s.organizer_id == user_id],
        )
