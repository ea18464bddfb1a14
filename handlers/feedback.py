"""Give / edit feedback, and read every panelist's notes once the panel is done."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.codec import NotesPage
from bot.services import Services
from bot.services.touched import Touched
from bot.slack.errors import SlackError
from bot.views import ids
from bot.views.feedback_modal import feedback_modal, feedback_saved_modal, read_feedback
from bot.views.notes import notes_modal
from handlers.payload import (
    any_of,
    clicked,
    clicked_round,
    metadata_round,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded

log = logging.getLogger(__name__)


def give(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    user = user_id(body)
    snap, mine = services.feedback.start(team_id(body), user, clicked_round(body))
    client.views_open(trigger_id=trigger_id(body), view=feedback_modal(snap, mine, user))


def submit(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> Touched | None:
    result = services.feedback.submit(
        team_id(body),
        user_id(body),
        metadata_round(body["view"]),
        read_feedback(state_values(body)),
        view_id=str(body["view"]["id"]),
    )
    ack(response_action="update", view=feedback_saved_modal(result.round))
    return Touched.round(result.round.id) if result.changed else None


def see_notes(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    snap, feedback = services.feedback.notes(team_id(body), user_id(body), clicked_round(body))
    client.views_open(trigger_id=trigger_id(body), view=notes_modal(snap, feedback, 0))


def notes_page(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    clicked_page = clicked(body, NotesPage)
    snap, feedback = services.feedback.notes(team_id(body), user_id(body), clicked_page.round)
    view = body.get("view") or {}
    notes = notes_modal(snap, feedback, clicked_page.page)
    if not view.get("id"):  # the click names no modal to turn the page of: open one
        client.views_open(trigger_id=trigger_id(body), view=notes)
        return
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=notes)
    except SlackApiError as exc:
        if exc.response.get("error") != SlackError.NOT_FOUND:
            raise
        # The modal was closed before the page turned: there is nothing left to show.
        log.info("notes_page: the notes modal is gone (%s)", view["id"])


def register(app: App, services: Services) -> None:
    app.action(ids.GIVE_FEEDBACK)(guarded(give, services))
    app.view(ids.FEEDBACK)(guarded(submit, services))
    app.action(ids.SEE_NOTES)(guarded(see_notes, services))
    app.action(any_of(ids.NOTES_PAGE))(guarded(notes_page, services))
