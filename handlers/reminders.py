"""Buttons on reminders: the panelist's "I didn't attend" and "Snooze 2 h", the organizer's
"Nudge them now" (its "Close now" is the announcement's close button)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.codec import Snooze
from bot.domain.message import Message
from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.reminders import escalation_done_message, not_attended_reply, snoozed_reply
from handlers.payload import clicked, clicked_round, team_id, user_id
from handlers.responses import guarded


def replace(respond: Respond, reply: Message) -> None:
    """Replace the clicked message, so its buttons can't be used twice."""
    respond(replace_original=True, text=reply.text, blocks=reply.blocks)


def snooze(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    ack()
    clicked_snooze = clicked(body, Snooze)
    snoozed = services.reminders.snooze(
        team_id(body), user_id(body), clicked_snooze.round, clicked_snooze.n
    )
    replace(respond, snoozed_reply(snoozed.round, snoozed.until))


def not_attended(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched:
    ack()
    change = services.reminders.not_attended(team_id(body), user_id(body), clicked_round(body))
    replace(respond, not_attended_reply(change.round))
    return Touched.round(change.round.id)


def nudge_now(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> Touched:
    ack()
    message_ts = str((body.get("container") or {}).get("message_ts") or "")
    result = services.reminders.nudge_now(
        team_id(body), user_id(body), clicked_round(body), message_ts
    )
    replace(respond, escalation_done_message(result.round, list(result.nudged)))
    services.due_work.run_round(result.round.id)  # the nudges, enqueued for delivery
    return Touched.round(result.round.id)


def register(app: App, services: Services) -> None:
    app.action(ids.NUDGE_SNOOZE)(guarded(snooze, services))
    app.action(ids.NUDGE_NOT_ATTENDED)(guarded(not_attended, services))
    app.action(ids.NUDGE_NOW)(guarded(nudge_now, services))
