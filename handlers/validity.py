"""/panel validity <role|all>: acks first (the statistics import scipy, a second the first
time), then answers the requester alone — an ephemeral reply with the table, the chart in
their DM. Never the hiring channel: outcomes are for the role's organizers and admins."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.codec import RoleChoice
from bot.services import Services
from bot.services.comparisons import RolePick
from bot.services.touched import Touched
from bot.views import ids
from bot.views.validity import validity_message
from handlers.comparisons import ask_for_role, say
from handlers.payload import Command, clicked, request_id, team_id, user_id
from handlers.responses import guarded

NO_ROLES = "No role has been interviewed for yet: there is nothing to compare outcomes with."


def send_report(
    body: dict[str, Any], respond: Respond, services: Services, role_id: int
) -> Touched | None:
    team, user = team_id(body), user_id(body)
    found = services.validity.report(team, user, role_id)
    chart = bool(found.table.rounds)
    if chart:
        services.validity.send_chart(team, user, found, request_id(body))
    say(respond, validity_message(found.role_name, found.table, chart=chart))
    return Touched(users=(user,), team_id=team) if chart else None


def validity(asked: Command, services: Services) -> Touched | None:
    asked.ack()
    if asked.rest.strip().casefold() == "all":
        reports = services.validity.report_all(team_id(asked.body), user_id(asked.body))
        if not reports:
            asked.respond(text=NO_ROLES, response_type="ephemeral", replace_original=False)
        for found in reports:  # one table per message
            say(asked.respond, validity_message(found.role_name, found.table))
        return None
    role = services.comparisons.find_role(team_id(asked.body), asked.rest)
    if isinstance(role, RolePick):
        ask_for_role(asked.respond, role, ids.VALIDITY_PICK, "see the validity of")
        return None
    return send_report(asked.body, asked.respond, services, role.id)


def validity_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched | None:
    ack()
    return send_report(body, respond, services, clicked(body, RoleChoice).role)


def register(app: App, services: Services) -> None:
    app.action(ids.VALIDITY_PICK)(guarded(validity_pick, services))
