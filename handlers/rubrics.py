"""/panel rubric <role>, its role picker, and the rubric modal's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.codec import RoleChoice, RubricMeta
from bot.services import Services
from bot.services.comparisons import RolePick
from bot.views import ids
from bot.views.rubric_modal import parse_rubric_modal, rubric_modal, rubric_saved_modal
from handlers.comparisons import ask_for_role
from handlers.payload import Command, carried, clicked, state_values, team_id, trigger_id, user_id
from handlers.responses import guarded


def open_rubric(client: WebClient, body: dict[str, Any], services: Services, role_id: int) -> None:
    editing = services.rubrics.start_editing(team_id(body), user_id(body), role_id)
    view = rubric_modal(
        editing.role_id, editing.role_name, editing.current, version=editing.version
    )
    client.views_open(trigger_id=trigger_id(body), view=view)


def rubric(asked: Command, services: Services) -> None:
    asked.ack()
    found = services.rubrics.find_or_create_role(team_id(asked.body), asked.rest)
    if isinstance(found, RolePick):
        ask_for_role(asked.respond, found, ids.RUBRIC_PICK, "edit the rubric of")
        return
    open_rubric(asked.client, asked.body, services, found.id)


def rubric_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    ack()
    open_rubric(client, body, services, clicked(body, RoleChoice).role)


def save_rubric(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    form = carried(body.get("view") or {}, RubricMeta)
    saved = services.rubrics.save(
        team_id(body),
        user_id(body),
        form.role,
        form.version,
        parse_rubric_modal(state_values(body)),
    )
    ack(response_action="update", view=rubric_saved_modal(saved.role_name, saved.rubric))


def register(app: App, services: Services) -> None:
    app.action(ids.RUBRIC_PICK)(guarded(rubric_pick, services))
    app.view(ids.RUBRIC)(guarded(save_rubric, services))
