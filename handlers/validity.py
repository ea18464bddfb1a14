"""/panel validity <role|all>: acks first (the statistics import scipy, a second the first
time), then answers the requester alone — an ephemeral reply with the table, the chart in
their DM. Never the hiring channel: outcomes are for the role's organizers and admins."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.services.comparisons import CompareRequest, RolePick
from bot.views import ids
from bot.views.validity import validity_message
from handlers.comparisons import Verb, ask_for_role, request_id, say, selected_value
from handlers.payload import team_id, user_id
from handlers.responses import guarded

NO_ROLES = "No role has been interviewed for yet: there is nothing to compare outcomes with."


def register(app: App, services: Services) -> dict[str, Verb]:
    def send_report(body: dict[str, Any], respond: Respond, role_id: int) -> None:
        team, user = team_id(body), user_id(body)
        found = services.validity.report(team, user, role_id)
        chart = bool(found.table.rounds)
        if chart:
            services.validity.send_chart(team, user, found, request_id(body))
        say(respond, validity_message(found.role_name, found.table, chart=chart))
        if chart:
            services.dispatcher.deliver_unbound(user_id=user)

    def validity(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, rest: str
    ) -> None:
        ack()
        if rest.strip().casefold() == "all":
            reports = services.validity.report_all(team_id(body), user_id(body))
            if not reports:
                respond(text=NO_ROLES, response_type="ephemeral", replace_original=False)
            for found in reports:  # one table per message
                say(respond, validity_message(found.role_name, found.table))
            return
        role = services.comparisons.find_role(team_id(body), rest)
        if isinstance(role, RolePick):
            ask_for_role(respond, role, ids.VALIDITY_PICK, "see the validity of")
            return
        send_report(body, respond, role.id)

    @app.action(ids.VALIDITY_PICK)
    @guarded
    def validity_pick(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        role, _, _ = selected_value(body).partition(":")
        send_report(body, respond, CompareRequest.from_state(f"{role}:0:").role_id)

    return {"validity": validity}
