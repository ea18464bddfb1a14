"""The shape of what Slack sends, checked before Bolt reads it.

Bolt trusts the shape of a payload: a `user` that is a number, an empty `actions` list, a
`view` without `type` or a body that is not JSON make it raise while it builds the request
or runs its middleware, and the HTTP answer is a 500 with a traceback in the log. Slack
never sends such payloads, so a request that has them is forged or broken; `guard_payloads`
answers it 401 (bad signature, as Bolt would) or 400, and Bolt never sees it.

The models below list only what Bolt and the handlers read structurally: the envelope
(who, which team, which action or view), with Slack's ids bounded as the database stores
them. What people type (view state values, private_metadata, button values) stays free
form here; the handlers read it defensively and say what is wrong (handlers/payload.py,
bot/views/state.py).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator
from slack_bolt import App
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    WSGIApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

log = logging.getLogger(__name__)

# Slack's ids (T…, U…, C…, V…, A…, E…): the database keeps them in 32 characters.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,32}$")]
MessageTs = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,9})?$")]
TriggerId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,255}$")]
# Slack's response URLs; anything else (spaces, non-ASCII) is not one, and would make the
# HTTP client raise when the bot answers through it.
Url = Annotated[str, StringConstraints(pattern=r"^https?://[!-~]{1,2040}$")]


class _Shape(BaseModel):
    # strict: a number is not a string; extra keys are Slack's to add.
    model_config = ConfigDict(strict=True, extra="allow")


class Ref(_Shape):
    """A user, team, channel or enterprise object."""

    id: SlackId | None = None
    team_id: SlackId | None = None


class Authorization(_Shape):
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    enterprise_id: SlackId | None = None


class Option(_Shape):
    value: str


class Action(_Shape):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: Option | None = None


class View(_Shape):
    id: SlackId | None = None
    type: str
    callback_id: str | None = None
    private_metadata: str | None = None
    hash: str | None = None
    team_id: SlackId | None = None
    app_installed_team_id: SlackId | None = None
    state: dict[str, Any] | None = None


class Container(_Shape):
    type: str | None = None
    message_ts: MessageTs | None = None
    channel_id: SlackId | None = None
    view_id: SlackId | None = None


class Refs(_Shape):
    """Where Bolt looks for who, which team and which channel, object by object."""

    user: SlackId | Ref | None = None
    team: SlackId | Ref | None = None
    channel: SlackId | Ref | None = None
    enterprise: SlackId | Ref | None = None


class Event(Refs):
    type: str
    tab: str | None = None
    # Bolt reads these when the event itself names no user or channel.
    message: Refs | None = None
    previous_message: Refs | None = None
    item: Refs | None = None
    assistant_thread: Refs | None = None


class ResponseUrl(_Shape):
    response_url: Url | None = None


class Payload(_Shape):
    type: str | None = None
    token: str | None = None
    team: SlackId | Ref | None = None
    user: SlackId | Ref | None = None
    channel: SlackId | Ref | None = None
    enterprise: SlackId | Ref | None = None
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    channel_id: SlackId | None = None
    enterprise_id: SlackId | None = None
    api_app_id: SlackId | None = None
    is_enterprise_install: bool | str | None = None
    authorizations: list[Authorization] | None = None
    event: Event | None = None
    actions: list[Action] | None = None
    view: View | None = None
    container: Container | None = None
    message: dict[str, Any] | None = None
    callback_id: str | None = None
    trigger_id: TriggerId | None = None
    response_url: Url | None = None
    response_urls: list[ResponseUrl] | None = None
    command: str | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _present_means_set(cls, data: Any) -> Any:
        """Bolt reads these whenever the key is there (`"view" in body`): null is no value."""
        if isinstance(data, dict):
            nulls = [key for key in ("view", "event", "response_urls") if key in data]
            nulls = [key for key in nulls if data[key] is None]
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null")
        return data

    @model_validator(mode="after")
    def _complete(self) -> Payload:
        """What each kind of request cannot do without."""
        kind = self.type
        interaction = kind in ("block_actions", "view_submission", "view_closed", "shortcut")
        if interaction and (not isinstance(self.user, Ref) or self.user.id is None):
            raise ValueError(f"a {kind} payload names the user who acted")
        if kind == "block_actions" and not self.actions:
            raise ValueError("block_actions carry at least one action")
        if kind in ("view_submission", "view_closed") and (
            self.view is None or self.view.callback_id is None or self.view.id is None
        ):
            raise ValueError(f"a {kind} payload carries its view, with its id and callback_id")
        if kind == "shortcut" and self.callback_id is None:
            raise ValueError("a shortcut carries its callback_id")
        if interaction and self.trigger_id is None:
            raise ValueError(f"a {kind} payload carries its trigger_id")
        if kind == "event_callback" and self.event is None:
            raise ValueError("an event_callback carries its event")
        if self.command is not None and None in (self.user_id, self.team_id):
            raise ValueError("a slash command names its user and team")
        in_message = self.container is not None and self.container.type == "message"
        if kind == "block_actions" and in_message and self.response_url is None:
            raise ValueError("a click in a message carries its response_url")
        return self


PARSED_KEY = "panelbot.parsed_body"


def content_type_of(environ: WSGIEnvironment) -> str | None:
    """The request's content type as Bolt reads it (slack_bolt's `extract_content_type`):
    the guard and the request log must parse the body the way Bolt would."""
    return str(environ.get("CONTENT_TYPE") or "").split(";")[0] or None


def parsed_body(
    raw: bytes, content_type: str | None, environ: WSGIEnvironment | None = None
) -> Any:
    """The body as Bolt reads it, or None when it is neither a form nor JSON. Parsed once
    per request: the request log and the shape check both read it (a feedback form is tens
    of kB of url-encoded JSON), and keep it in the WSGI environ for each other."""
    if environ is not None and PARSED_KEY in environ:
        return environ[PARSED_KEY]
    try:
        body = parse_body(raw.decode("utf-8"), content_type)
    except (UnicodeDecodeError, ValueError, TypeError):
        body = None
    if environ is not None:
        environ[PARSED_KEY] = body
    return body


def shape_problem(
    raw: bytes, content_type: str | None, environ: WSGIEnvironment | None = None
) -> str | None:
    """Why Bolt could not read this body (None: it can). Names fields, never their values:
    the values may be what someone typed."""
    body = parsed_body(raw, content_type, environ)
    if body is None:
        return "the body is neither a form nor JSON"
    if not isinstance(body, dict):
        return "the body is not an object"
    if _has_lone_surrogate(body):
        # JSON may spell one ("\\ud800"); Slack's text never holds one, and no database,
        # HTTP client or JSON encoder downstream would take it.
        return "a string is not valid Unicode"
    try:
        Payload.model_validate(body)
    except ValidationError as exc:
        return "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'body'}: "
            # Our own validators' messages name no values; pydantic's other messages may.
            f"{error['msg'] if error['type'] == 'value_error' else error['type']}"
            for error in exc.errors()[:5]
        )
    return None


def _has_lone_surrogate(node: object) -> bool:
    if isinstance(node, str):
        try:
            node.encode("utf-8")  # only a lone surrogate fails
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(node, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_lone_surrogate(item) for item in node)
    return False


def guard_payloads(bolt: WSGIApp, app: App, path: str) -> WSGIApp:
    """`bolt` (Bolt's WSGI handler) behind the shape check, for POSTs to `path`."""
    # The secret Bolt verifies requests with: a forged malformed body gets Bolt's 401, not a
    # 400 that would tell its sender the signature was never looked at.
    verifier = SignatureVerifier(app._signing_secret)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != path:
            return bolt(environ, start_response)
        # Bolt's verifier (and ours below) runs int() on the timestamp header, so one that is
        # not a number made it raise: a 500 and a traceback. Slack never sends one; refuse it
        # as Bolt refuses a bad signature.
        if not _is_timestamp(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")):
            return _answer(start_response, "401 Unauthorized", b'{"error": "invalid request"}')
        raw = take_body(environ)
        problem = shape_problem(raw, content_type_of(environ), environ)
        if problem is None:
            return bolt(environ, start_response)
        if not _signed(verifier, raw, environ):
            return _answer(start_response, "401 Unauthorized", b'{"error": "invalid request"}')
        log.warning("refused a malformed Slack payload (%s)", problem)
        return _answer(start_response, "400 Bad Request", b'{"error": "malformed payload"}')

    return application


def _is_timestamp(header: object) -> bool:
    """Absent (Bolt refuses that itself) or an integer, as Slack sends it."""
    if header is None:
        return True
    try:
        int(str(header))
    except ValueError:
        return False
    return True


def _signed(verifier: SignatureVerifier, raw: bytes, environ: WSGIEnvironment) -> bool:
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:  # Slack signs UTF-8 text: these bytes are not from Slack
        return False
    return verifier.is_valid(
        body,
        str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "0"),
        str(environ.get("HTTP_X_SLACK_SIGNATURE") or ""),
    )


def _answer(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def take_body(environ: WSGIEnvironment) -> bytes:
    """Read the body, and put the same bytes back for the next reader (Bolt)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    return raw
