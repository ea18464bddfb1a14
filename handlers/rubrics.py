"""/panel rubric <role>, its role picker, and the rubric modal's submission."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.rules import whole_number
from bot.errors import NotFound
from bot.services import Services
from bot.services.comparisons import CompareRequest, RolePick
from bot.views import ids
from bot.views.rubric_modal import parse_rubric_modal, rubric_modal, rubric_saved_modal
from handlers.comparisons import ask_for_role
from handlers.payload import selected_value, state_values, team_id, trigger_id, user_id
from handlers.responses import guarded


def open_rubric(client: WebClient, body: dict[str, Any], services: Services, role_id: int) -> None:
    editing = services.rubrics.start_editing(team_id(body), user_id(body), role_id)
    view = rubric_modal(
        editing.role_id, editing.role_name, editing.current, version=editing.version
    )
    client.views_open(trigger_id=trigger_id(body), view=view)


def rubric(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    rest: str,
    *,
    services: Services,
) -> None:
    ack()
    found = services.rubrics.find_or_create_role(team_id(body), rest)
    if isinstance(found, RolePick):
        ask_for_role(respond, found, ids.RUBRIC_PICK, "edit the rubric of")
        return
    open_rubric(client, body, services, found.id)


def rubric_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    ack()
    role_id = CompareRequest.from_state(selected_value(body).partition(":")[0] + ":0:").role_id
    open_rubric(client, body, services, role_id)


def save_rubric(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    view = body.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        # Ids as the database holds them; a forged 1e300 is no role.
        role_id, version = whole_number(meta["role"]), whole_number(meta["version"])
    except (ValueError, KeyError, TypeError):
        role_id = version = None
    if not role_id or version is None:
        raise NotFound("That rubric form is out of date; run /panel rubric again.")
    saved = services.rubrics.save(
        team_id(body), user_id(body), role_id, version, parse_rubric_modal(state_values(body))
    )
    ack(response_action="update", view=rubric_saved_modal(saved.role_name, saved.rubric))


def register(app: App, services: Services) -> None:
    app.action(ids.RUBRIC_PICK)(guarded(rubric_pick, services))
    app.view(ids.RUBRIC)(guarded(save_rubric, services))
