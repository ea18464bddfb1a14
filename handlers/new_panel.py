"""The "New panel" modal submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.focus_modal import focus_lines
from bot.views.new_panel import panel_started_modal, parse_new_panel
from handlers.payload import state_values, team_id, user_id
from handlers.responses import guarded


def submit(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> Touched | None:
    form = parse_new_panel(state_values(body))
    # Validation asks Slack about the panelists and the channel, then stores the round;
    # errors come back inline. The view id makes a retried submission the same round.
    started = services.rounds.start(team_id(body), user_id(body), body["view"]["id"], form)
    ack(
        response_action="update",
        view=panel_started_modal(
            started.round.candidate_name,
            started.thin_criteria,
            started.public_channel,
            focus_lines(started.round),
        ),
    )
    return Touched.round(started.round.id) if started.created else None


def register(app: App, services: Services) -> None:
    app.view(ids.NEW_PANEL)(guarded(submit, services))
