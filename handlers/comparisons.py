"""/panel compare, calibration, export and rubric; the comparison's buttons; the rubric
modal. Each command acks first, then answers where the person typed it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.rules import whole_number
from bot.errors import NotFound
from bot.services import Services
from bot.services.comparisons import CompareRequest, RolePick
from bot.text import escape
from bot.views import ids
from bot.views.calibration import calibration_message
from bot.views.common import Message
from bot.views.comparison import comparison_message
from bot.views.role_picker import role_picker
from bot.views.rubric_modal import parse_rubric_modal, rubric_modal, rubric_saved_modal
from handlers.payload import (
    action_value,
    any_of,
    round_id,
    state_values,
    team_id,
    trigger_id,
    user_id,
)
from handlers.responses import guarded

Verb = Callable[[Ack, dict[str, Any], WebClient, Respond, str], None]


def say(respond: Respond, reply: Message, *, replace: bool = False) -> None:
    respond(
        text=reply.text,
        blocks=reply.blocks,
        response_type="ephemeral",
        replace_original=replace,
    )


def ask_for_role(
    respond: Respond, pick: RolePick, action_id: str, what: str, extra: str = ""
) -> None:
    """The typed role named none or several: an ephemeral picker; its action carries on."""
    say(
        respond,
        role_picker(
            pick.text, list(pick.roles), action_id, what, matched=pick.matched, extra=extra
        ),
    )


def request_id(body: dict[str, Any]) -> str:
    """Slack's id of this request, its trigger_id: a resent request carries the same one."""
    return str(body.get("trigger_id") or "")


def selected_value(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    return str((action.get("selected_option") or {}).get("value") or action.get("value") or "")


def register(app: App, services: Services) -> dict[str, Verb]:
    compare_service = services.comparisons

    def post_comparison(body: dict[str, Any], respond: Respond, request: CompareRequest) -> None:
        compared = compare_service.post(team_id(body), user_id(body), request, request_id(body))
        candidates = f"{len(compared.comparison.rows)} candidates"
        respond(
            text=f"Posted the comparison of {candidates} in <#{compared.channel_id}>."
            if compared.posted
            else f"You posted this comparison of {candidates} in <#{compared.channel_id}> "
            "already: nothing has changed since.",
            response_type="ephemeral",
            replace_original=False,
        )
        services.dispatcher.deliver_unbound(channel_id=compared.channel_id)

    def compare(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, rest: str
    ) -> None:
        ack()
        role_text, _, by = rest.partition(" by ")
        found = compare_service.find_role(team_id(body), role_text)
        if isinstance(found, RolePick):
            ask_for_role(respond, found, ids.COMPARE_PICK, "compare", by.strip())
            return
        post_comparison(body, respond, CompareRequest(found.id, by.strip() or None))

    def calibration(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, rest: str
    ) -> None:
        ack()
        found = compare_service.calibration(team_id(body), user_id(body))
        say(
            respond,
            calibration_message(
                found.interviewers,
                found.names,
                found.agreement_by_role,
                found.nudges,
                found.timeliness,
            ),
        )

    def export(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, rest: str
    ) -> None:
        ack()
        found = compare_service.find_role(team_id(body), rest)
        if isinstance(found, RolePick):
            ask_for_role(respond, found, ids.EXPORT_PICK, "export")
            return
        send_export(body, respond, found.id)

    def send_export(body: dict[str, Any], respond: Respond, role_id: int) -> None:
        export = compare_service.send_export(
            team_id(body), user_id(body), role_id, request_id(body)
        )
        name = escape(export.role_name)
        respond(
            text=f"Sending the {name} feedback export (CSV) to your DM."
            if export.sent
            else f"The {name} feedback export (CSV) is already in your DM: nothing has "
            "changed since it was sent.",
            response_type="ephemeral",
            replace_original=False,
        )
        services.dispatcher.deliver_unbound(user_id=user_id(body))

    def rubric(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, rest: str
    ) -> None:
        ack()
        found = services.rubrics.find_or_create_role(team_id(body), rest)
        if isinstance(found, RolePick):
            ask_for_role(respond, found, ids.RUBRIC_PICK, "edit the rubric of")
            return
        open_rubric(client, body, found.id)

    def open_rubric(client: WebClient, body: dict[str, Any], role_id: int) -> None:
        editing = services.rubrics.start_editing(team_id(body), user_id(body), role_id)
        view = rubric_modal(
            editing.role_id, editing.role_name, editing.current, version=editing.version
        )
        client.views_open(trigger_id=trigger_id(body), view=view)

    @app.action(ids.COMPARE_ROLE)
    @guarded
    def compare_button(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        role_id = compare_service.role_of_round(team_id(body), round_id(action_value(body)))
        post_comparison(body, respond, CompareRequest(role_id))

    @app.action(ids.COMPARE_PICK)
    @guarded
    def compare_pick(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        role, _, by = selected_value(body).partition(":")
        post_comparison(body, respond, CompareRequest.from_state(f"{role}:0:{by}"))

    @app.action(ids.EXPORT_PICK)
    @guarded
    def export_pick(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        role, _, _ = selected_value(body).partition(":")
        send_export(body, respond, CompareRequest.from_state(f"{role}:0:").role_id)

    @app.action(ids.RUBRIC_PICK)
    @guarded
    def rubric_pick(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        role_id = CompareRequest.from_state(selected_value(body).partition(":")[0] + ":0:").role_id
        open_rubric(client, body, role_id)

    def show(body: dict[str, Any], respond: Respond, request: CompareRequest, page: int) -> None:
        """Replace the clicked comparison with this page or view of it."""
        compared = compare_service.compare(team_id(body), user_id(body), request)
        reply = comparison_message(compared.comparison, page, request.state)
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)

    @app.action(any_of(ids.COMPARE_PAGE))
    @guarded
    def turn_page(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        state, _, page = action_value(body).rpartition("|")
        show(body, respond, CompareRequest.from_state(state), whole_number(page) or 0)

    @app.action(ids.COMPARE_CALIBRATED)
    @guarded
    def toggle_calibrated(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        request = CompareRequest.from_state(action_value(body).rpartition("|")[0])
        show(body, respond, replace(request, calibrated=not request.calibrated), 0)

    @app.view(ids.RUBRIC)
    @guarded
    def save_rubric(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
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

    return {"compare": compare, "calibration": calibration, "export": export, "rubric": rubric}
