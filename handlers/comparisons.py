"""/panel compare, calibration and export, and the comparison's buttons. Each command acks
first, then answers where the person typed it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.codec import ComparePage, RoleChoice
from bot.domain.message import Message
from bot.services import Services
from bot.services.comparisons import CompareRequest, RolePick
from bot.services.touched import Touched
from bot.text import escape
from bot.views import ids
from bot.views.calibration import calibration_message
from bot.views.comparison import comparison_message
from bot.views.role_picker import role_picker
from handlers.payload import (
    Command,
    any_of,
    clicked,
    clicked_round,
    request_id,
    team_id,
    user_id,
)
from handlers.responses import guarded


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


def post_comparison(
    body: dict[str, Any], respond: Respond, services: Services, request: CompareRequest
) -> Touched:
    compared = services.comparisons.post(team_id(body), user_id(body), request, request_id(body))
    candidates = f"{len(compared.comparison.rows)} candidates"
    respond(
        text=f"Posted the comparison of {candidates} in <#{compared.channel_id}>."
        if compared.posted
        else f"You posted this comparison of {candidates} in <#{compared.channel_id}> "
        "already: nothing has changed since.",
        response_type="ephemeral",
        replace_original=False,
    )
    return Touched(channels=(compared.channel_id,), team_id=team_id(body))


def send_export(
    body: dict[str, Any], respond: Respond, services: Services, role_id: int
) -> Touched:
    export = services.comparisons.send_export(
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
    return Touched(users=(user_id(body),), team_id=team_id(body))


def compare(asked: Command, services: Services) -> Touched | None:
    asked.ack()
    role_text, _, by = asked.rest.partition(" by ")
    found = services.comparisons.find_role(team_id(asked.body), role_text)
    if isinstance(found, RolePick):
        ask_for_role(asked.respond, found, ids.COMPARE_PICK, "compare", by.strip())
        return None
    return post_comparison(
        asked.body, asked.respond, services, CompareRequest(found.id, by.strip() or None)
    )


def calibration(asked: Command, services: Services) -> None:
    asked.ack()
    found = services.comparisons.calibration(team_id(asked.body), user_id(asked.body))
    say(
        asked.respond,
        calibration_message(
            found.interviewers,
            found.names,
            found.agreement_by_role,
            found.nudges,
            found.timeliness,
        ),
    )


def export(asked: Command, services: Services) -> Touched | None:
    asked.ack()
    found = services.comparisons.find_role(team_id(asked.body), asked.rest)
    if isinstance(found, RolePick):
        ask_for_role(asked.respond, found, ids.EXPORT_PICK, "export")
        return None
    return send_export(asked.body, asked.respond, services, found.id)


def compare_button(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched:
    ack()
    role_id = services.comparisons.role_of_round(team_id(body), clicked_round(body))
    return post_comparison(body, respond, services, CompareRequest(role_id))


def compare_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched:
    ack()
    choice = clicked(body, RoleChoice)
    return post_comparison(body, respond, services, CompareRequest(choice.role, choice.by or None))


def export_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched:
    ack()
    return send_export(body, respond, services, clicked(body, RoleChoice).role)


def show(
    body: dict[str, Any],
    respond: Respond,
    services: Services,
    request: CompareRequest,
    page: int,
) -> None:
    """Replace the clicked comparison with this page or view of it."""
    compared = services.comparisons.compare(team_id(body), user_id(body), request)
    reply = comparison_message(compared.comparison, page, request.state)
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def turn_page(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    ack()
    clicked_page = clicked(body, ComparePage)
    show(body, respond, services, CompareRequest.from_state(clicked_page), clicked_page.page)


def toggle_calibrated(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    ack()
    request = CompareRequest.from_state(clicked(body, ComparePage))
    show(body, respond, services, replace(request, calibrated=not request.calibrated), 0)


def register(app: App, services: Services) -> None:
    app.action(ids.COMPARE_ROLE)(guarded(compare_button, services))
    app.action(ids.COMPARE_PICK)(guarded(compare_pick, services))
    app.action(ids.EXPORT_PICK)(guarded(export_pick, services))
    app.action(any_of(ids.COMPARE_PAGE))(guarded(turn_page, services))
    app.action(ids.COMPARE_CALIBRATED)(guarded(toggle_calibrated, services))
