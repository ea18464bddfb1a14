"""The organizer's buttons on the announcement: close, cancel, add / remove panelists,
focus areas."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import Services
from bot.services.rounds import Changed
from bot.views import ids
from bot.views.focus_modal import focus_modal, focus_saved_modal, parse_focus
from bot.views.panelists_modal import panelists_modal
from bot.views.state import selected_users
from handlers.payload import (
    action_value,
    metadata_round,
    round_id,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded


def register(app: App, services: Services) -> None:
    def publish(change: Changed) -> None:
        """Send what the change enqueued now, after the ack (the tick retries failures)."""
        services.dispatcher.deliver_round(change.round.id)

    @app.action(ids.CLOSE_ROUND)
    @guarded
    def close(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        publish(services.rounds.close(team_id(body), user_id(body), round_id(action_value(body))))

    @app.action(ids.CANCEL_ROUND)
    @guarded
    def cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        publish(services.rounds.cancel(team_id(body), user_id(body), round_id(action_value(body))))

    @app.action(ids.EDIT_PANELISTS)
    @guarded
    def edit_panelists(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        snap = services.rounds.for_organizer(
            team_id(body), user_id(body), round_id(action_value(body))
        )
        client.views_open(trigger_id=trigger_id(body), view=panelists_modal(snap))

    @app.view(ids.PANELISTS)
    @guarded
    def save_panelists(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        change = services.rounds.change_panelists(
            team_id(body),
            user_id(body),
            metadata_round(body["view"]),
            selected_users(state_values(body), "panelists"),
        )
        ack()
        publish(change)

    @app.action(ids.FOCUS_AREAS)
    @guarded
    def edit_focus(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        snap = services.focus.for_organizer(
            team_id(body), user_id(body), round_id(action_value(body))
        )
        client.views_open(trigger_id=trigger_id(body), view=focus_modal(snap))

    @app.view(ids.FOCUS)
    @guarded
    def save_focus(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        snap = services.focus.save(
            team_id(body),
            user_id(body),
            metadata_round(body["view"]),
            parse_focus(state_values(body)),
        )
        ack(response_action="update", view=focus_saved_modal(snap))
        services.dispatcher.deliver_round(snap.id)
