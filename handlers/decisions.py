"""The organizer's decision: "Record decision" on the summary opens the modal; submitting
it records a version (or, sent again, finds the one it recorded)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.codec import DecisionMeta
from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.decision import decision_modal, decision_recorded_modal, parse_decision
from handlers.payload import (
    carried,
    clicked_round,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded


def open_decision(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    ack()
    found = services.decisions.start(team_id(body), user_id(body), clicked_round(body))
    view = decision_modal(found.round, found.summary, found.versions)
    client.views_open(trigger_id=trigger_id(body), view=view)


def record(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> Touched | None:
    view = body["view"]
    form = carried(view, DecisionMeta)
    result = services.decisions.record(
        team_id(body),
        user_id(body),
        form.round,
        str(view["id"]),
        form.version,
        parse_decision(state_values(body)),
    )
    done = decision_recorded_modal(result.round, result.version, result.follow_ups)
    ack(response_action="update", view=done)
    return Touched.round(result.round.id) if result.created else None


def register(app: App, services: Services) -> None:
    app.action(ids.RECORD_DECISION)(guarded(open_decision, services))
    app.view(ids.DECISION)(guarded(record, services))
