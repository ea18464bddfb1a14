"""/panel [new|status|help], the "Start a panel" shortcut and the Home tab button."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.schedule import ScheduleInputError, parse_digest, parse_reminders
from bot.errors import InvalidCommand
from bot.services import Services
from bot.services.context import utc_now
from bot.text import escape, truncate
from bot.views import ids
from bot.views.help import help_message, unknown_command_message
from bot.views.new_panel import new_panel_modal
from bot.views.overview import status_message
from handlers.comparisons import Verb
from handlers.payload import command_text, team_id, trigger_id, user_id
from handlers.responses import guarded

T = TypeVar("T")


def _parsed(parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text.strip())
    except ScheduleInputError as exc:
        # The message quotes the words typed ("<!channel>" isn't a time zone): escaped, as
        # all user text in mrkdwn, and cut short, as a reply has a size.
        raise InvalidCommand(escape(truncate(exc.message, 500))) from None


def register(app: App, services: Services, verbs: Mapping[str, Verb]) -> None:
    """`verbs`: more `/panel <verb>` handlers, from the features that own them."""

    def open_new_panel(
        client: WebClient, body: dict[str, Any], candidate: str = "", channel: str | None = None
    ) -> None:
        view = new_panel_modal(
            role_names=services.rounds.role_names(team_id(body)),
            candidate_name=candidate,
            channel_id=channel,
            now=utc_now(),
        )
        client.views_open(trigger_id=trigger_id(body), view=view)

    @app.command(ids.COMMAND)
    @guarded
    def panel(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        verb, _, rest = command_text(body).strip().partition(" ")
        verb = verb.lower()
        if verb in ("", "new"):
            ack()
            channel = body.get("channel_id") or ""
            # A DM can't be a hiring channel; leave the picker empty there.
            in_channel = channel[:1] in ("C", "G")
            open_new_panel(client, body, rest.strip(), channel if in_channel else None)
        elif verb == "status":
            reply = status_message(services.overview.for_user(team_id(body), user_id(body)))
            ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        elif verb == "digest":
            command = _parsed(parse_digest, rest)
            ack()
            said = services.digests.command(
                team_id(body),
                user_id(body),
                str(body.get("channel_id") or ""),
                command,
                str(body.get("trigger_id") or ""),
            )
            respond(text=said.text, response_type="ephemeral")
            if command.action == "now":
                services.dispatcher.deliver_unbound(channel_id=str(body.get("channel_id") or ""))
        elif verb == "reminders":
            cadence = _parsed(parse_reminders, rest)
            ack()
            text = services.settings.reminders(team_id(body), user_id(body), cadence)
            respond(text=text, response_type="ephemeral")
        elif verb in verbs:
            verbs[verb](ack, body, client, respond, rest.strip())
        elif verb == "help":
            reply = help_message()
            ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        else:
            reply = unknown_command_message(verb)
            ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")

    @app.shortcut(ids.SHORTCUT_NEW_PANEL)
    @guarded
    def shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_new_panel(client, body)

    @app.action(ids.OPEN_NEW_PANEL)
    @guarded
    def home_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_new_panel(client, body)
