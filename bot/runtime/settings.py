"""Settings from the environment and `.env` (see README, "Settings")."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
SEE_README = "see README.md, section 'Settings'."
ONE_MODE = (
    "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
    "(install in several workspaces through OAuth)"
)
# Hosts hand out PostgreSQL URLs as postgres://…; SQLAlchemy knows neither that name nor, for
# postgresql://, the driver we install (psycopg 3) unless told.
POSTGRES_PREFIXES = ("postgres://", "postgresql://")
POSTGRES_DRIVER = "postgresql+psycopg://"


def _manifest_scopes() -> str:
    from bot.slack.manifest import bot_scopes

    return ",".join(bot_scopes())


class Settings(BaseSettings):
    """Every setting. The Slack ones are demanded only by the commands that talk to Slack
    (`slack_problem`); `db upgrade` and the data commands run without them."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # One workspace: its bot token. Several: the app's OAuth credentials instead.
    slack_bot_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: str = Field(default_factory=_manifest_scopes)
    # Where Slack sends the installer back; needed only if the app has several redirect URLs.
    slack_redirect_uri: str | None = None
    # A rotating token (token rotation on) is exchanged this long before it expires.
    slack_token_rotation_minutes: int = Field(default=120, ge=1, le=700)
    slack_signing_secret: str = ""
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = "sqlite:///panelbot.db"
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port
    log_level: str = "INFO"
    # How often each instance looks for due reminders, digests and undelivered messages.
    scheduler_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    slack_timeout_seconds: int = Field(default=10, ge=1, le=60)
    # An instance that dies holding claimed work blocks it this long; it must leave room
    # for a whole send (two Slack calls of slack_timeout_seconds each).
    work_lease_seconds: float = Field(default=120.0, gt=0)
    # Rounds closed longer ago than this are purged, and so is an uninstalled workspace's data.
    retention_days: int = Field(default=365, ge=1, le=36500)
    # json: one object per line for a log pipeline; text: for a person at a terminal. Unset:
    # text when standard error is a terminal, else JSON.
    log_format: str | None = Field(default=None, pattern="^(json|text)$")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """An empty SLACK_… variable counts as unset (its default applies)."""
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if v not in (None, "") or not k.startswith("slack_")}

    @field_validator("database_url")
    @classmethod
    def _postgres_driver(cls, url: str) -> str:
        for prefix in POSTGRES_PREFIXES:
            if url.startswith(prefix):
                return POSTGRES_DRIVER + url.removeprefix(prefix)
        return url

    @field_validator("log_level")
    @classmethod
    def _a_logging_level(cls, level: str) -> str:
        if not isinstance(logging.getLevelName(level.upper()), int):
            raise ValueError("not a logging level (DEBUG, INFO, WARNING, ERROR)")
        return level

    def slack_problem(self) -> str | None:
        """What keeps this process from talking to Slack (one line naming the variable), or
        None: exactly one way of getting tokens, the token first so that a bare environment
        is told about it first; then the signing secret."""
        token = bool(self.slack_bot_token)
        oauth = {
            name
            for name, value in (
                ("SLACK_CLIENT_ID", self.slack_client_id),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret),
            )
            if value
        }
        if token and oauth:
            return f"SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SECRET are both set: {ONE_MODE}"
        if not token and not oauth:
            return f"SLACK_BOT_TOKEN is not set: {ONE_MODE}"
        if len(oauth) == 1:
            missing = ({"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"} - oauth).pop()
            return f"{missing} is not set (OAuth install needs both ID and secret)"
        if oauth and self.slack_app_token:
            return (
                "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID are both set: installing "
                "through OAuth needs HTTP mode, where /slack/install is served"
            )
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            return (
                "SLACK_APP_TOKEN is not an app-level token (xapp-…): create one with the "
                "connections:write scope under Basic Information → App-Level Tokens"
            )
        if not self.slack_signing_secret:
            return "SLACK_SIGNING_SECRET is not set"
        return None

    @model_validator(mode="after")
    def _lease_covers_a_send(self) -> Settings:
        if self.work_lease_seconds < 2 * (2 * self.slack_timeout_seconds + 5):
            raise ValueError(
                "WORK_LEASE_SECONDS must be at least 4 × SLACK_TIMEOUT_SECONDS + 10 "
                f"(now {self.work_lease_seconds:g} and {self.slack_timeout_seconds:g})"
            )
        return self

    @property
    def oauth(self) -> bool:
        """Installed through OAuth in any number of workspaces (else one workspace's token)."""
        return self.slack_bot_token is None

    @property
    def scopes(self) -> list[str]:
        return [scope.strip() for scope in self.slack_scopes.split(",") if scope.strip()]

    @property
    def authorize_url(self) -> str:
        """Slack's install page, beside the Web API (…/api/ → …/oauth/v2/authorize)."""
        if self.slack_api_url == SLACK_DEFAULT_API_URL:
            return SLACK_AUTHORIZE_URL
        return urljoin(self.api_base_url, "../oauth/v2/authorize")

    @property
    def api_base_url(self) -> str:
        # WebClient joins method names onto the base URL, so it must end with a slash.
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def load_settings(*, slack: bool = True) -> Settings:
    """The settings, or SettingsError naming the variable to fix. `slack`: also demand what
    talking to Slack needs (tokens, signing secret)."""
    try:
        settings = Settings()  # pydantic-settings reads the environment
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else ""
        if not variable:  # a rule across settings; its message names them
            problem = str(first["msg"]).removeprefix("Value error, ")
        elif first["type"] in ("missing", "string_too_short"):
            problem = f"{variable} is not set"
        else:
            problem = f"{variable} is invalid: {first['msg']}"
        raise SettingsError(f"{problem}; {SEE_README}") from None
    lacking = settings.slack_problem() if slack else None
    if lacking:
        raise SettingsError(f"{lacking}; {SEE_README}")
    return settings
