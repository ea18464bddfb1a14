"""/panel forget <candidate>: a confirmation modal listing what will be erased; submitting
it erases the candidate and shows what was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.codec import ForgetMeta
from bot.errors import InvalidCommand, PanelbotError
from bot.services import Services
from bot.services.touched import Touched
from bot.views import ids
from bot.views.forget import erased_modal, forget_modal, looking_up_modal
from handlers.payload import Command, carried, team_id, trigger_id, user_id
from handlers.responses import guarded, render_in_view, unexpected

T = TypeVar("T")
OUT_OF_DATE = ForgetMeta.OUT_OF_DATE


def in_placeholder(client: WebClient, view_id: str, where: str, work: Callable[[], T]) -> T | None:
    """Run `work` after a placeholder modal was shown; its error, expected or not, replaces
    the placeholder (else it would say "Looking up…" for ever). None when it failed."""
    try:
        return work()
    except PanelbotError as error:
        render_in_view(error, client, view_id)
    except Exception:
        render_in_view(unexpected(where), client, view_id)
    return None


def forget(asked: Command, services: Services) -> None:
    if not asked.rest.strip():
        raise InvalidCommand("Say whom to erase: `/panel forget <candidate name>`.")
    asked.ack()
    # Open at once (the trigger_id dies in 3 s); looking may ask Slack who is an admin.
    opened = asked.client.views_open(
        trigger_id=trigger_id(asked.body), view=looking_up_modal(asked.rest)
    )
    view_id = str(opened["view"]["id"])
    plan = in_placeholder(
        asked.client,
        view_id,
        "forget",
        lambda: services.retention.plan_erasure(
            team_id(asked.body), asked.rest, user_id(asked.body)
        ),
    )
    if plan is not None:
        asked.client.views_update(view_id=view_id, view=forget_modal(plan))


def erase(ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services) -> Touched:
    # The candidate and the newest round id the confirmation showed; anything else in the
    # metadata (forged, or from another version) is no confirmation at all.
    confirmed = carried(body.get("view") or {}, ForgetMeta)
    # Answered with the report itself: the admin check asks Slack within a 2 s budget
    # (SlackGateway.in_time) and the erasure is one short transaction.
    erased = services.retention.erase(
        team_id(body), confirmed.candidate, confirmed.up_to, user_id(body)
    )
    ack(response_action="update", view=erased_modal(erased))
    # The chat.delete rows are unbound: sent now, per conversation.
    return Touched(channels=tuple(erased.channels), team_id=team_id(body))


def register(app: App, services: Services) -> None:
    app.view(ids.FORGET)(guarded(erase, services))
