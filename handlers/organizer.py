"""The organizer's buttons on the announcement: close, cancel, add / remove panelists,
focus areas."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.focus_modal import focus_modal, focus_saved_modal, parse_focus
from bot.views.panelists_modal import panelists_modal
from bot.views.state import selected_users
from handlers.payload import (
    clicked_round,
    metadata_round,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded


def close(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> Touched:
    ack()
    closed = services.rounds.close(team_id(body), user_id(body), clicked_round(body))
    return Touched.round(closed.round.id)


def cancel(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> Touched:
    ack()
    cancelled = services.rounds.cancel(team_id(body), user_id(body), clicked_round(body))
    return Touched.round(cancelled.round.id)


def edit_panelists(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> None:
    ack()
    snap = services.rounds.for_organizer(team_id(body), user_id(body), clicked_round(body))
    client.views_open(trigger_id=trigger_id(body), view=panelists_modal(snap))


def save_panelists(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> Touched:
    change = services.rounds.change_panelists(
        team_id(body),
        user_id(body),
        metadata_round(body["view"]),
        selected_users(state_values(body), "panelists"),
    )
    ack()
    return Touched.round(change.round.id)


def edit_focus(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    snap = services.focus.for_organizer(team_id(body), user_id(body), clicked_round(body))
    client.views_open(trigger_id=trigger_id(body), view=focus_modal(snap))


def save_focus(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> Touched:
    snap = services.focus.save(
        team_id(body),
        user_id(body),
        metadata_round(body["view"]),
        parse_focus(state_values(body)),
    )
    ack(response_action="update", view=focus_saved_modal(snap))
    return Touched.round(snap.id)


def register(app: App, services: Services) -> None:
    app.action(ids.CLOSE_ROUND)(guarded(close, services))
    app.action(ids.CANCEL_ROUND)(guarded(cancel, services))
    app.action(ids.EDIT_PANELISTS)(guarded(edit_panelists, services))
    app.view(ids.PANELISTS)(guarded(save_panelists, services))
    app.action(ids.FOCUS_AREAS)(guarded(edit_focus, services))
    app.view(ids.FOCUS)(guarded(save_focus, services))
