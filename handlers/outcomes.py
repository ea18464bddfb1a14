"""After a decision to advance: "Record outcome" opens the organizer's outcome modal; a
hire's check-in DM opens its modal ("Answer") or the one naming who should answer instead
("Not my report any more")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.codec import CheckIn, CheckInMeta
from bot.domain.panel import RoundSnapshot
from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.outcome import (
    check_in_modal,
    check_in_saved_modal,
    delegate_modal,
    delegated_modal,
    outcome_modal,
    outcome_saved_modal,
    parse_check_in,
    parse_outcome,
)
from bot.views.state import selected_user
from handlers.payload import (
    carried,
    clicked,
    clicked_round,
    metadata_round,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded

# A modal about one check-in: the round and how many months after the start.
CheckInModal = Callable[[RoundSnapshot, int], dict[str, Any]]


def open_outcome(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    found = services.outcomes.start(team_id(body), user_id(body), clicked_round(body))
    client.views_open(trigger_id=trigger_id(body), view=outcome_modal(found.round, found.outcome))


def save_outcome(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    saved = services.outcomes.record(
        team_id(body),
        user_id(body),
        metadata_round(body["view"]),
        parse_outcome(state_values(body)),
    )
    ack(response_action="update", view=outcome_saved_modal(saved.round, saved.outcome))


def _open_for_check_in(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, modal: CheckInModal
) -> None:
    """Both buttons of a check-in DM (Answer, Not my report any more) open a modal about it."""
    ack()
    check_in = clicked(body, CheckIn)
    found = services.outcomes.open_check_in(
        team_id(body), user_id(body), check_in.round, check_in.months
    )
    client.views_open(trigger_id=trigger_id(body), view=modal(found.round, check_in.months))


def open_check_in(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    _open_for_check_in(ack, body, client, services, check_in_modal)


def save_check_in(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    form = carried(body["view"], CheckInMeta)
    months = form.months
    saved = services.outcomes.answer(
        team_id(body),
        user_id(body),
        form.round,
        months,
        parse_check_in(state_values(body)),
    )
    ack(response_action="update", view=check_in_saved_modal(saved.round, months))


def open_delegate(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    _open_for_check_in(ack, body, client, services, delegate_modal)


def save_delegate(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> Touched:
    form = carried(body["view"], CheckInMeta)
    months = form.months
    to = selected_user(state_values(body), "delegate")
    saved = services.outcomes.delegate(team_id(body), user_id(body), form.round, months, to)
    ack(response_action="update", view=delegated_modal(saved.round, months, to or ""))
    return Touched.round(saved.round.id)


def register(app: App, services: Services) -> None:
    app.action(ids.RECORD_OUTCOME)(guarded(open_outcome, services))
    app.view(ids.OUTCOME)(guarded(save_outcome, services))
    app.action(ids.ANSWER_CHECK_IN)(guarded(open_check_in, services))
    app.view(ids.CHECK_IN)(guarded(save_check_in, services))
    app.action(ids.DELEGATE_CHECK_IN)(guarded(open_delegate, services))
    app.view(ids.CHECK_IN_DELEGATE)(guarded(save_delegate, services))
