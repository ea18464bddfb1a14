"""`panelbot doctor`: is this installation ready to run? One line per check, each failure
saying what to do; exit 0 when all hold, 1 otherwise.

The checks are the ones `run` and `serve` stop on (bot/runtime/startup.py), made one by one and all
reported, plus what only shows later: the token's scopes against the manifest's, the signing
secret's shape, the app-level token, the hiring channels of open rounds. In OAuth mode each
installed workspace's token is checked instead of SLACK_BOT_TOKEN.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.runtime.startup import (
    APP_TOKEN,
    BOT_TOKEN,
    INSTALLED_TOKEN,
    TOKEN_ADVICE,
    Refusal,
    explain,
    quiet_slack_client,
    slack_problem,
)

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime.settings import Settings
    from storage.db import Database

OK, FAIL, SKIP = "ok", "FAIL", "skip"
# Slack's signing secrets are 32 hexadecimal characters.
SIGNING_SECRET_SHAPE = re.compile(r"[0-9a-f]{32}", re.IGNORECASE)


@dataclass(frozen=True)
class Check:
    status: str  # OK, FAIL or SKIP
    name: str
    text: str  # what was found, or what to do

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.text}"


def doctor() -> int:
    # slack_sdk and Alembic would log what a check reports anyway; only the checks speak.
    logging.getLogger().addHandler(logging.NullHandler())
    failed = False
    for check in checks():
        print(check.line(), flush=True)
        failed = failed or check.status == FAIL
    return 1 if failed else 0


def checks() -> Iterator[Check]:
    from bot.runtime.settings import SettingsError, load_settings

    try:
        settings = load_settings(slack=False)
    except SettingsError as exc:
        yield Check(FAIL, "settings", str(exc))
        return
    slack_missing = settings.slack_problem()
    if slack_missing:
        yield Check(FAIL, "settings", slack_missing)
    else:
        yield Check(OK, "settings", _mode(settings))
    db = yield from _database(settings)
    if slack_missing:
        yield Check(SKIP, "Slack", "not checked until the settings above are fixed")
    else:
        yield _signing_secret(settings)
        if settings.oauth:
            yield from _installed_workspaces(settings, db)
        else:
            yield from _bot_token(settings)
        yield _app_token(settings)
    if db is not None:
        if not slack_missing:
            yield _guarded("hiring channels", lambda: _hiring_channels(settings, db))
        db.dispose()


def _mode(settings: Settings) -> str:
    tokens = (
        "several workspaces through OAuth (SLACK_CLIENT_ID)"
        if settings.oauth
        else "one workspace (SLACK_BOT_TOKEN)"
    )
    serving = (
        "Socket Mode (SLACK_APP_TOKEN)"
        if settings.slack_app_token
        else f"HTTP mode on port {settings.port}"
    )
    return f"{tokens}, {serving}"


def _database(settings: Settings) -> Generator[Check, None, Database | None]:
    # A generator's return value is what `yield from` gives back: the database, if usable.
    from bot.runtime.startup import open_database

    try:
        db = open_database(settings)
    except Refusal as exc:
        yield Check(FAIL, "database", str(exc))
        return None
    where = db.engine.url.render_as_string(hide_password=True)
    yield Check(OK, "database", f"{where}, schema current")
    return db


def _signing_secret(settings: Settings) -> Check:
    if SIGNING_SECRET_SHAPE.fullmatch(settings.slack_signing_secret):
        return Check(OK, "signing secret", "32 hex characters, as Slack's are")
    return Check(
        FAIL,
        "signing secret",
        "SLACK_SIGNING_SECRET is not 32 hex characters, as Slack's signing secrets are: copy "
        "the Signing Secret from Basic Information → App Credentials (not the Client Secret "
        "or the Verification Token).",
    )


def _bot_token(settings: Settings) -> Iterator[Check]:
    assert settings.slack_bot_token
    yield from _token_checks(settings, "bot token", settings.slack_bot_token, BOT_TOKEN)


def _installed_workspaces(settings: Settings, db: Database | None) -> Iterator[Check]:
    from bot.runtime.app import token_source
    from bot.slack.tokens import TeamNotInstalled
    from storage.workspaces import known

    if db is None:
        yield Check(SKIP, "workspaces", "not checked without the database")
        return
    with db.read() as session:
        installed = [w for w in known(session) if w.installed]
    if not installed:
        yield Check(SKIP, "workspaces", "none installed yet: open /slack/install on your server")
        return
    tokens = token_source(settings, db)
    for workspace in installed:
        name = f"workspace {workspace.team_id}"
        try:
            with quiet_slack_client():  # an expiring token is rotated first
                token = tokens.bot_token(workspace.team_id)
        except TeamNotInstalled:
            yield Check(FAIL, name, f"no bot token: {TOKEN_ADVICE[INSTALLED_TOKEN]}")
            continue
        except Exception as exc:
            yield Check(FAIL, name, f"its token could not be read: {_short(exc, settings)}")
            continue
        yield from _token_checks(settings, name, token, INSTALLED_TOKEN)


def _token_checks(settings: Settings, name: str, token: str, kind: str) -> Iterator[Check]:
    """The token is valid (auth.test), and has every bot scope the manifest asks for
    (Slack names a token's scopes in the x-oauth-scopes header of its answers)."""
    from bot.slack.manifest import bot_scopes

    try:
        with quiet_slack_client():
            answer = _client(settings, token).auth_test()
    except Exception as exc:
        yield Check(FAIL, name, slack_problem(exc, settings, kind) or explain(exc, settings))
        return
    yield Check(OK, name, f"{answer.get('user')} in {answer.get('team')} ({answer.get('team_id')})")
    headers = {key.lower(): value for key, value in answer.headers.items()}
    if "x-oauth-scopes" not in headers:
        yield Check(FAIL, f"{name} scopes", "Slack did not say which scopes the token has")
        return
    granted = {scope.strip() for scope in headers["x-oauth-scopes"].split(",")}
    missing = [scope for scope in bot_scopes() if scope not in granted]
    if missing:
        yield Check(
            FAIL,
            f"{name} scopes",
            f"missing {', '.join(missing)}: add them under OAuth & Permissions → Scopes (or "
            "paste `panelbot manifest` again) and reinstall the app",
        )
    else:
        yield Check(OK, f"{name} scopes", f"all {len(bot_scopes())} the manifest asks for")


def _app_token(settings: Settings) -> Check:
    if not settings.slack_app_token:
        return Check(SKIP, "app-level token", "SLACK_APP_TOKEN not set: HTTP mode")
    client = _client(settings, None)
    try:
        with quiet_slack_client():
            client.apps_connections_open(app_token=settings.slack_app_token)
    except Exception as exc:
        problem = slack_problem(exc, settings, APP_TOKEN) or explain(exc, settings)
        return Check(FAIL, "app-level token", problem)
    return Check(OK, "app-level token", "Slack offers a Socket Mode connection")


def _hiring_channels(settings: Settings, db: Database) -> Check:
    """Panelbot can still see and post in the hiring channel of every open round."""
    from bot.runtime.app import token_source
    from bot.slack.tokens import TeamNotInstalled
    from storage.workspaces import open_round_channels

    with db.read() as session:
        channels = open_round_channels(session)
    if not channels:
        return Check(SKIP, "hiring channels", "no open rounds")
    tokens = token_source(settings, db)
    problems = []
    for team_id, channel_id in channels:
        try:
            token = tokens.bot_token(team_id)
            with quiet_slack_client():
                found = _client(settings, token).conversations_info(channel=channel_id)["channel"]
        except TeamNotInstalled:
            problems.append(f"{channel_id} ({team_id}): workspace not installed")
            continue
        except Exception as exc:
            problems.append(f"{channel_id} ({team_id}): {_short(exc, settings)}")
            continue
        if found.get("is_archived"):
            problems.append(f"{channel_id} ({team_id}): archived")
        elif not found.get("is_member", True):
            problems.append(f"{channel_id} ({team_id}): Panelbot is not in it")
    if problems:
        return Check(
            FAIL,
            "hiring channels",
            f"{len(problems)} of {len(channels)} unreachable: {'; '.join(problems)}; invite "
            "Panelbot there (/invite @Panelbot), or close their rounds",
        )
    return Check(OK, "hiring channels", f"all {len(channels)} with open rounds reachable")


def _short(exc: Exception, settings: Settings) -> str:
    from bot.runtime.startup import network_reason, slack_error

    code = slack_error(exc)
    if code is not None:
        return code
    if isinstance(exc, OSError):
        return f"Slack unreachable ({network_reason(exc, settings.slack_timeout_seconds)})"
    return explain(exc, settings)


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:
        return Check(FAIL, name, explain(exc, None))


def _client(settings: Settings, token: str | None) -> WebClient:
    from bot.runtime.app import make_client

    # No retries: a check reports what it met, at once.
    return make_client(settings, token=token, retries=False)
