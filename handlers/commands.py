"""/panel and its verbs, the "Start a panel" shortcut and the Home tab button.

VERBS maps each `/panel <verb>` (bot.views.ids.Verb) to its listener; the features own
theirs (compare, rubric, forget, …) and this module owns the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.schedule import ScheduleInputError, parse_digest, parse_reminders
from bot.errors import InvalidCommand
from bot.services import Services
from bot.services.context import utc_now
from bot.services.touched import Touched
from bot.text import escape, truncate
from bot.views import ids
from bot.views.help import help_message, unknown_command_message
from bot.views.ids import Verb
from bot.views.new_panel import new_panel_modal
from bot.views.overview import status_message
from handlers import comparisons, forget, rubrics, validity
from handlers.payload import Command, command_text, request_id, team_id, trigger_id, user_id
from handlers.responses import guarded

T = TypeVar("T")


# A `/panel <verb>` listener.
VerbListener = Callable[[Command, Services], Touched | None]


def _parsed(parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text.strip())
    except ScheduleInputError as exc:
        # The message quotes the words typed ("<!channel>" isn't a time zone): escaped, as
        # all user text in mrkdwn, and cut short, as a reply has a size.
        raise InvalidCommand(escape(truncate(exc.message, 500))) from None


def open_new_panel(
    client: WebClient,
    body: dict[str, Any],
    services: Services,
    candidate: str = "",
    channel: str | None = None,
) -> None:
    view = new_panel_modal(
        role_names=services.rounds.role_names(team_id(body)),
        candidate_name=candidate,
        channel_id=channel,
        now=utc_now(),
    )
    client.views_open(trigger_id=trigger_id(body), view=view)


def new(asked: Command, services: Services) -> None:
    asked.ack()
    channel = asked.body.get("channel_id") or ""
    # A DM can't be a hiring channel; leave the picker empty there.
    in_channel = channel[:1] in ("C", "G")
    open_new_panel(asked.client, asked.body, services, asked.rest, channel if in_channel else None)


def status(asked: Command, services: Services) -> None:
    reply = status_message(services.overview.for_user(team_id(asked.body), user_id(asked.body)))
    asked.ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")


def digest(asked: Command, services: Services) -> Touched | None:
    command = _parsed(parse_digest, asked.rest)
    asked.ack()
    channel = str(asked.body.get("channel_id") or "")
    said = services.digests.command(
        team_id(asked.body), user_id(asked.body), channel, command, request_id(asked.body)
    )
    asked.respond(text=said.text, response_type="ephemeral")
    return (
        Touched(channels=(channel,), team_id=team_id(asked.body))
        if command.action == "now"
        else None
    )


def reminders(asked: Command, services: Services) -> None:
    cadence = _parsed(parse_reminders, asked.rest)
    asked.ack()
    text = services.settings.reminders(team_id(asked.body), user_id(asked.body), cadence)
    asked.respond(text=text, response_type="ephemeral")


def help_verb(asked: Command, services: Services) -> None:
    reply = help_message()
    asked.ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")


VERBS: dict[Verb, VerbListener] = {
    Verb.NEW: new,
    Verb.STATUS: status,
    Verb.HELP: help_verb,
    Verb.DIGEST: digest,
    Verb.REMINDERS: reminders,
    Verb.COMPARE: comparisons.compare,
    Verb.CALIBRATION: comparisons.calibration,
    Verb.EXPORT: comparisons.export,
    Verb.RUBRIC: rubrics.rubric,
    Verb.VALIDITY: validity.validity,
    Verb.FORGET: forget.forget,
}


def panel(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched | None:
    word, rest = ids.split_command(command_text(body))
    if word not in VERBS:
        reply = unknown_command_message(word)
        ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        return None
    return VERBS[Verb(word)](Command(ack, body, client, respond, rest), services)


def start_panel(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> None:
    """The shortcut, and the Home tab's button."""
    ack()
    open_new_panel(client, body, services)


def register(app: App, services: Services) -> None:
    app.command(ids.COMMAND)(guarded(panel, services))
    app.shortcut(ids.SHORTCUT_NEW_PANEL)(guarded(start_panel, services))
    app.action(ids.OPEN_NEW_PANEL)(guarded(start_panel, services))
