"""One place where errors become words for the user, wherever the user is.

Every listener is wrapped by `guarded`: a PanelbotError is shown where the person acted
(inline modal errors, the modal itself, an ephemeral message); anything unexpected is logged
with a short id the user can quote, and the user gets that id, never a stack trace. What the
listener's use case touched is delivered after it returns, here and nowhere else.
"""

from __future__ import annotations

import functools
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    PanelbotError,
    RoundNotOpen,
    SlackUnavailable,
)
from bot.services import Services
from bot.services.touched import Touched
from bot.slack.errors import SlackError
from bot.views.common import notice_modal
from handlers.payload import request_id

log = logging.getLogger(__name__)

TITLES: dict[type[PanelbotError], str] = {
    NotAllowed: "Not allowed",
    NotFound: "Round not found",
    RoundNotOpen: "Round has moved on",
}

# A listener takes what Bolt injects by name (ack, body, client, respond, …) and, keyword
# only so Bolt never sees it, `services`; it returns what its use case touched, if anything.
Listener = Callable[..., Touched | None]
BoltListener = Callable[..., None]


def bound(listener: Listener, services: Services) -> BoltListener:
    """`listener` as Bolt calls it: the services given, and what it touched delivered after
    it returns (by then it has acked), from this one place. Bolt reads the arguments to
    inject from `listener` itself (functools.wraps)."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        touched = listener(**kwargs, services=services)
        if touched is not None:
            deliver(services, touched)

    return run


def deliver(services: Services, touched: Touched) -> None:
    """Send what the request enqueued, right after its ack; the tick retries failures."""
    for round_id in touched.rounds:
        services.dispatcher.deliver_round(round_id)
    for channel_id in touched.channels:
        services.dispatcher.deliver_unbound(touched.team_id, channel_id=channel_id)
    for user_id in touched.users:
        services.dispatcher.deliver_unbound(touched.team_id, user_id=user_id)


def guarded(listener: Listener, services: Services) -> BoltListener:
    """`bound`, with errors turned into words where the person acted."""
    params = set(inspect.signature(listener).parameters)
    missing = {"body", "client"} - params
    if missing:  # a wiring mistake; fail at start-up, not in front of a user
        raise TypeError(f"{listener.__name__} must take {sorted(missing)} to report errors")
    answers_in_place = "respond" in params
    run_bound = bound(listener, services)

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            if answers_in_place and getattr(kwargs.get("respond"), "response_url", None) is None:
                # Slack sends a response_url with every command and click in a message; a
                # request without one (forged) gets a typed error if it needs it, instead of
                # Bolt's ValueError.
                kwargs = {**kwargs, "respond": _cannot_respond}
            run_bound(**kwargs)
        except PanelbotError as error:
            render(error, kwargs)
        except Exception as exc:
            if _already_answered(exc):
                log.info("%s: a repeated request, already answered (%s)", listener.__name__, exc)
                return
            if _window_gone(exc):
                # Slack's doing, not a fault of ours: say so, where no modal is needed.
                log.warning("%s: Slack would not open the modal (%s)", listener.__name__, exc)
                body = {k: v for k, v in kwargs["body"].items() if k != "trigger_id"}
                render(PanelbotError(WINDOW_GONE), {**kwargs, "body": body})
                return
            render(unexpected(listener.__name__), kwargs)

    return run


def unexpected(where: str) -> PanelbotError:
    """Log the exception being handled with a short id, and the words that give the user
    that id (never the stack trace)."""
    error_id = uuid.uuid4().hex[:8]
    log.exception("unexpected error in %s (error id %s)", where, error_id)
    return PanelbotError(
        "Something went wrong on our side and nothing was changed by it. "
        f"If it happens again, give your Panelbot admin this error id: `{error_id}`."
    )


def _already_answered(exc: Exception) -> bool:
    """Slack refused to open or update a modal because the person already sees the answer:
    the request was a replay (a retry, a resent click) whose trigger_id the first one used,
    or a click on a modal another click has since changed. Telling them that something
    went wrong would be false, and a replayed shortcut would DM it each time."""
    return isinstance(exc, SlackApiError) and exc.response.get("error") in (
        SlackError.EXCHANGED_TRIGGER_ID,
        SlackError.HASH_CONFLICT,
    )


NOTHING_TO_ANSWER = (
    "Panelbot could not answer where you asked: Slack sent no address to answer at. "
    "Try again from Slack."
)


def _cannot_respond(*args: Any, **kwargs: Any) -> None:
    raise PanelbotError(NOTHING_TO_ANSWER)


WINDOW_GONE = (
    "Slack gives Panelbot 3 seconds to open a window after a click, and that time ran out. "
    "Please try again."
)


def _window_gone(exc: Exception) -> bool:
    """The trigger_id to open a modal with expired (a slow answer), or Slack does not know
    it (a forged request)."""
    return isinstance(exc, SlackApiError) and exc.response.get("error") in (
        SlackError.EXPIRED_TRIGGER_ID,
        SlackError.INVALID_TRIGGER_ID,
    )


def render(error: PanelbotError, kwargs: dict[str, Any]) -> None:
    body: dict[str, Any] = kwargs["body"]
    client: WebClient = kwargs["client"]
    ack = kwargs.get("ack")
    acked = ack is None or getattr(ack, "response", None) is not None
    kind = body.get("type")
    try:
        if not acked and ack is not None:
            if kind == "view_submission":
                if isinstance(error, InvalidInput):
                    ack(response_action="errors", errors=error.errors)
                elif isinstance(error, SlackUnavailable) and (block := _first_input(body)):
                    # The form stays open, filled in, with the message on it: the person
                    # only has to submit again.
                    ack(response_action="errors", errors={block: error.message})
                else:
                    ack(response_action="update", view=_notice(error))
                return
            if kind is None and "command" in body:  # slash command: the ack is the reply
                ack(text=error.message, response_type="ephemeral")
                return
            ack()
        _tell(error, body, client)
    except Exception:
        # Its message may name a candidate: the log gets its kind only.
        log.exception("could not tell the user about a %s", type(error).__name__)


def render_in_view(error: PanelbotError, client: WebClient, view_id: str) -> None:
    """For work done after a placeholder modal was opened (a trigger_id cannot wait for
    it): the error replaces the placeholder."""
    try:
        client.views_update(view_id=view_id, view=_notice(error))
    except Exception:
        # Its message may name a candidate: the log gets its kind only.
        log.exception("could not tell the user about a %s", type(error).__name__)


def _first_input(body: dict[str, Any]) -> str | None:
    """The block id of the submitted modal's first input (inline errors need one)."""
    for block in (body.get("view") or {}).get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def _notice(error: PanelbotError) -> dict[str, Any]:
    return notice_modal(TITLES.get(type(error), "Panelbot"), error.message)


def _tell(error: PanelbotError, body: dict[str, Any], client: WebClient) -> None:
    """After ack: an ephemeral reply where they clicked, else a modal, else a DM."""
    response_url = body.get("response_url")
    if response_url:
        WebhookClient(response_url).send(
            text=error.message, response_type="ephemeral", replace_original=False
        )
        return
    trigger_id = request_id(body)  # may be none: this must not raise
    if trigger_id and body.get("type") == "block_actions":
        # `or {}`: a payload may carry `"view": null`.
        if (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=trigger_id, view=_notice(error))
        else:
            client.views_open(trigger_id=trigger_id, view=_notice(error))
        return
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if user_id:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postMessage(channel=channel, text=error.message)
