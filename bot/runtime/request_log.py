"""One JSON log line and the request metrics for every request handed to Bolt.

A WSGI middleware: it reads the body (and hands Bolt a fresh stream with the same bytes),
derives who sent it and a request type from Slack's payload shapes, times Bolt's answer
and records it. It logs ids, the type, the status and the time only: never the body, free
text, view state, tokens or the signature (README, "Observability").

The request type is a metric label, so it comes from a bounded set: known `/panel` verbs,
callback and action ids from bot/views/ids.py, known event types; anything else, including
whatever a forged request may claim, is "other".
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.request import payload_utils as shapes
from slack_bolt.request.internals import extract_team_id, extract_user_id

from bot.runtime.metrics import observe_request
from bot.slack.payloads import content_type_of, parsed_body, take_body
from bot.views import ids

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    WSGIApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

log = logging.getLogger("panelbot.request")

# The `/panel <verb>`s the handlers answer; an empty command opens the New panel modal.
COMMAND_VERBS = frozenset(verb.value for verb in ids.Verb)
# Every callback and action id the views hand out.
KNOWN_IDS = frozenset(
    value
    for name, value in vars(ids).items()
    if name.isupper() and isinstance(value, str) and name != "COMMAND"
)
KNOWN_EVENTS = frozenset({"app_home_opened", "app_uninstalled", "tokens_revoked"})
OTHER = "other"
# Slack ids (T…, U…, E…); anything else in a forged body is not logged.
_SLACK_ID = re.compile(r"[A-Z0-9]{1,32}")


@dataclass(frozen=True)
class RequestFacts:
    """What may be logged about a request: ids and a bounded type, nothing typed by people."""

    type: str
    team: str | None
    user: str | None


def request_type(body: dict[str, Any]) -> str:
    if shapes.is_slash_command(body):
        if body.get("command") != ids.COMMAND:
            return f"command:{OTHER}"
        verb, _ = ids.split_command(str(body.get("text") or ""))
        return f"command:{_known(verb, COMMAND_VERBS)}"
    if shapes.is_block_actions(body):
        action = shapes.to_action(body) or {}
        return f"block_actions:{_known(action.get('action_id'), KNOWN_IDS)}"
    if shapes.is_view(body):
        view = shapes.to_view(body) or {}
        return f"{body['type']}:{_known(view.get('callback_id'), KNOWN_IDS)}"
    if shapes.is_shortcut(body):
        return f"shortcut:{_known(body.get('callback_id'), KNOWN_IDS)}"
    if shapes.is_event(body):
        return f"event:{_known(body['event'].get('type'), KNOWN_EVENTS)}"
    if body.get("type") == "url_verification":
        return "url_verification"
    if body.get("ssl_check"):
        return "ssl_check"
    return OTHER


def _known(value: object, known: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in known else OTHER


def _slack_id(value: object) -> str | None:
    return value if isinstance(value, str) and _SLACK_ID.fullmatch(value) else None


def read_facts(app: App, environ: WSGIEnvironment, raw: bytes) -> RequestFacts:
    path = environ.get("PATH_INFO", "")
    oauth = app.oauth_flow
    if oauth is not None and path in (oauth.install_path, oauth.redirect_uri_path):
        kind = "install" if path == oauth.install_path else "redirect"
        return RequestFacts(f"oauth:{kind}", None, None)
    body = parsed_body(
        raw, content_type_of(environ), environ
    )  # None: not UTF-8, not a form or JSON
    if not isinstance(body, dict):
        return RequestFacts(OTHER, None, None)
    try:
        team, user = extract_team_id(body), extract_user_id(body)
    except (AttributeError, KeyError, TypeError, IndexError):  # a malformed (forged) body
        team = user = None
    try:
        kind = request_type(body)
    except (AttributeError, KeyError, TypeError, IndexError):  # e.g. `"actions": []`
        kind = OTHER
    return RequestFacts(kind, _slack_id(team), _slack_id(user))


def outcome_of(status: int) -> str:
    if status >= 500:
        return "error"
    return "rejected" if status >= 400 else "ok"


def observed(bolt: WSGIApp, app: App) -> WSGIApp:
    """`bolt`, timed and logged one line per request."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        raw = take_body(environ)
        facts = read_facts(app, environ, raw)
        answered: list[int] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            answered.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        try:
            result = bolt(environ, recording_start_response)
        except BaseException:
            _record(facts, environ, 500, time.perf_counter() - started)
            raise
        _record(facts, environ, answered[-1] if answered else 500, time.perf_counter() - started)
        return result

    return application


def _record(facts: RequestFacts, environ: WSGIEnvironment, status: int, seconds: float) -> None:
    outcome = outcome_of(status)
    observe_request(facts.type, seconds, outcome)
    latency_ms = round(seconds * 1000, 1)
    retry = str(environ.get("HTTP_X_SLACK_RETRY_NUM") or "")
    log.log(
        logging.ERROR if outcome == "error" else logging.INFO,
        "%s %s %s in %.0f ms (team %s, user %s)",
        facts.type,
        status,
        outcome,
        latency_ms,
        facts.team or "-",
        facts.user or "-",
        extra={
            "team": facts.team,
            "user": facts.user,
            "type": facts.type,
            "status": status,
            "outcome": outcome,
            "latency_ms": latency_ms,
            # isascii: "²" is a digit to isdigit, not to int().
            "retry_num": int(retry) if retry.isascii() and retry.isdigit() else None,
        },
    )
