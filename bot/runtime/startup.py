"""Why a command cannot go on, in one line that says what to do: the database, Slack, the
port. `panelbot run`, `serve`, `db upgrade` and the data commands stop on these with exit 2;
`panelbot doctor` reports them as failed checks.

Imports nothing heavy at module level: `panelbot --help` must stay fast.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.slack.errors import TRY_LATER_ERRORS, SlackError

if TYPE_CHECKING:
    from slack_sdk.web import SlackResponse

    from bot.runtime.settings import Settings
    from storage.db import Database

BOT_TOKEN = "SLACK_BOT_TOKEN"
APP_TOKEN = "SLACK_APP_TOKEN"
INSTALLED_TOKEN = "installed"  # a workspace's own token, from its OAuth install
# What each token is called in a message, and what to do when Slack refuses it.
TOKEN_NAMES = {
    BOT_TOKEN: "the bot token",
    APP_TOKEN: "the app-level token",
    INSTALLED_TOKEN: "the workspace's bot token",
}
TOKEN_ADVICE = {
    BOT_TOKEN: "check SLACK_BOT_TOKEN.",
    APP_TOKEN: "check SLACK_APP_TOKEN: an xapp-… token with the connections:write scope "
    "(Basic Information → App-Level Tokens).",
    INSTALLED_TOKEN: "install Panelbot there again (/slack/install on your server).",
}
# Slack's refusals that mean the app is gone from the workspace rather than a mistyped token.
GONE: dict[str, str] = {
    SlackError.TOKEN_REVOKED: "the app was uninstalled or its token revoked; reinstall it",
    SlackError.ACCOUNT_INACTIVE: "the app was uninstalled or its token revoked; reinstall it",
}


def try_later(code: str) -> bool:
    """Whether Slack's answer (slack_error's code) says to try again rather than refuses."""
    return code in TRY_LATER_ERRORS or code.startswith("HTTP 5")


class Refusal(Exception):
    """The command cannot go on; the message is one line saying what to do. The CLI prints
    it and exits 2."""


# -- the database ------------------------------------------------------------------------


def open_database(settings: Settings, *, upgrading: bool = False) -> Database:
    """The database, once it is reachable and at this version's schema (`upgrading`: once an
    upgrade can bring it there); Refusal otherwise. Creates nothing."""
    from sqlalchemy.exc import ArgumentError

    from storage.db import Database, make_engine
    from storage.migrate import database_problem

    try:
        engine = make_engine(settings.database_url)
    except ArgumentError as exc:
        # Not the URL itself in the message: it may carry a password.
        raise Refusal(
            f"DATABASE_URL is not a database URL ({_first_line(exc).split(' from string ')[0]}); "
            "e.g. sqlite:///panelbot.db or postgresql://user@host/panelbot."
        ) from None
    except ImportError as exc:
        raise Refusal(
            f"DATABASE_URL names a database driver that is not installed ({exc.name}); "
            "use sqlite:///… or postgresql://… (psycopg 3 is installed)."
        ) from None
    problem = database_problem(engine, upgrading=upgrading)
    if problem:
        engine.dispose()
        raise Refusal(problem)
    return Database(engine)


# -- Slack -------------------------------------------------------------------------------


def slack_error(exc: BaseException) -> str | None:
    """Slack's error code in a refusal (SlackApiError), else None."""
    from slack_sdk.errors import SlackApiError

    if not isinstance(exc, SlackApiError):
        return None
    if exc.response is not None and exc.response.status_code >= 500:
        # A server's error page: the "error" slack_sdk fills in for it is not Slack's code.
        return f"HTTP {exc.response.status_code}"
    data = exc.response.data if exc.response is not None else None
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    status = exc.response.status_code if exc.response is not None else "?"
    return f"HTTP {status}"


def slack_problem(exc: BaseException, settings: Settings, token: str = BOT_TOKEN) -> str | None:
    """One line for Slack refusing `token` or not being reachable; None for anything else."""
    code = slack_error(exc)
    if code is not None:
        hint = f": {GONE[code]}" if code in GONE else ""
        return f"Slack refused {TOKEN_NAMES[token]} ({code}{hint}); {TOKEN_ADVICE[token]}"
    if isinstance(exc, OSError):  # urllib's URLError, timeouts, refused connections
        reason = network_reason(exc, settings.slack_timeout_seconds)
        return (
            f"cannot reach Slack at {settings.api_base_url} ({reason}); "
            "check the network and SLACK_API_URL."
        )
    return None


def network_reason(exc: BaseException, timeout: float) -> str:
    import socket
    import ssl

    reason = getattr(exc, "reason", exc)  # urllib wraps the socket's error
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"host not found: {reason.strerror}"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {reason.reason or reason}"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return _first_line(reason) or type(reason).__name__


def verify_bot_token(settings: Settings) -> SlackResponse:
    """One workspace: SLACK_BOT_TOKEN checked with Slack (auth.test, its answer returned for
    bot.runtime.app.record_workspace); Refusal when Slack refuses it or cannot be reached."""
    from bot.runtime.app import make_client

    try:
        with quiet_slack_client():
            return make_client(settings).auth_test()
    except Exception as exc:
        problem = slack_problem(exc, settings)
        if problem is None:
            raise
        raise Refusal(problem) from None


@contextmanager
def quiet_slack_client() -> Iterator[None]:
    """slack_sdk logs a failed request (and its retry) at ERROR; a check that reports the
    failure itself, in one line, holds those lines back."""
    client_log = logging.getLogger("slack_sdk.web.base_client")
    saved = client_log.level
    client_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        client_log.setLevel(saved)


# -- the port ----------------------------------------------------------------------------


def port_problem(bind: str, setting: str) -> str | None:
    """Why nothing can listen on `bind` (HOST:PORT), or None. `setting`: what to change."""
    import socket

    if bind.startswith(("unix:", "fd://")):
        return None  # gunicorn's own forms
    host, _, port_text = bind.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    try:
        port = int(port_text)
    except ValueError:
        return f"{bind!r} is not HOST:PORT; check {setting}."
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the servers do: a port whose old connections linger (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return _bind_problem(exc, host, port, setting)
    return None


def _bind_problem(exc: OSError, host: str, port: int, setting: str) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use (another Panelbot, or another server); "
            f"stop it, or choose another port with {setting}."
        )
    if exc.errno == errno.EACCES:
        return (
            f"no permission to listen on port {port} (ports below 1024 need privileges); "
            f"choose another with {setting}."
        )
    reason = exc.strerror or _first_line(exc)
    return f"cannot listen on {host}:{port} ({reason}); check {setting}."


# -- anything else -----------------------------------------------------------------------


def explain(exc: BaseException, settings: Settings | None) -> str:
    """One line for a failure no command phrased itself: the database or Slack failing in
    the middle of the work, or (with LOG_LEVEL=DEBUG, logged with its traceback) a bug."""
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            reason = _first_line(getattr(exc, "orig", None) or exc)
            return f"the database failed ({reason}); check DATABASE_URL and try again."
    if settings is not None and (problem := slack_problem(exc, settings)):
        return problem
    return (
        f"unexpected {type(exc).__name__}: {_first_line(exc)} (LOG_LEVEL=DEBUG logs the traceback)."
    )


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else ""
