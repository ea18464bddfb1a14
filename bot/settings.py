"""Settings from the environment and `.env` (see README, "Settings")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
ONE_MODE = (
    "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
    "(install in several workspaces through OAuth)"
)


def _manifest_scopes() -> str:
    from bot.manifest import bot_scopes

    return ",".join(bot_scopes())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # One workspace: its bot token. Several: the app's OAuth credentials instead.
    slack_bot_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # The manifest's bot scopes, asked for when a workspace installs through OAuth.
    slack_scopes: str = Field(default_factory=_manifest_scopes)
    # Where Slack sends the installer back; needed only if the app has several redirect URLs.
    slack_redirect_uri: str | None = None
    # A rotating token (token rotation on) is exchanged this long before it expires.
    slack_token_rotation_minutes: int = Field(default=120, ge=1, le=700)
    slack_signing_secret: str = Field(min_length=1)
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = "sqlite:///panelbot.db"
    port: int = 3000
    log_level: str = "INFO"
    # How often each instance looks for due reminders, digests and undelivered messages.
    scheduler_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    slack_timeout_seconds: int = Field(default=10, ge=1, le=60)
    # An instance that dies holding claimed work blocks it this long; it must leave room
    # for a whole send (two Slack calls of slack_timeout_seconds each).
    work_lease_seconds: float = Field(default=120.0, gt=0)
    # Rounds closed longer ago than this are purged, and so is an uninstalled workspace's data.
    retention_days: int = Field(default=365, ge=1, le=36500)
    # json: one object per line for a log pipeline; text: for a person at a terminal.
    log_format: str = Field(default="json", pattern="^(json|text)$")

    @model_validator(mode="before")
    @classmethod
    def _one_slack_mode(cls, data: Any) -> Any:
        """Exactly one way of getting tokens; checked before the other settings so that a
        bare environment is told about the token first."""
        if not isinstance(data, dict):
            return data
        given = {k for k, v in data.items() if v not in (None, "")}
        token = "slack_bot_token" in given
        oauth = given & {"slack_client_id", "slack_client_secret"}
        if token and oauth:
            raise ValueError(f"SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SECRET are both set: {ONE_MODE}")
        if not token and not oauth:
            raise ValueError(f"SLACK_BOT_TOKEN is not set: {ONE_MODE}")
        if oauth and len(oauth) == 1:
            missing = ({"slack_client_id", "slack_client_secret"} - oauth).pop().upper()
            raise ValueError(f"{missing} is not set (OAuth install needs both ID and secret)")
        if oauth and "slack_app_token" in given:
            raise ValueError(
                "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID are both set: installing "
                "through OAuth needs HTTP mode, where /slack/install is served"
            )
        # An empty SLACK_… variable counts as unset (its default applies), as above.
        return {k: v for k, v in data.items() if k in given or not k.startswith("slack_")}

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


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # pydantic-settings reads the environment
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else ""
        if not variable:  # a rule across settings; its message names them
            problem = str(first["msg"]).removeprefix("Value error, ")
        elif first["type"] in ("missing", "string_too_short"):
            problem = f"{variable} is not set"
        else:
            problem = f"{variable} is invalid: {first['msg']}"
        raise SettingsError(f"{problem}; see README.md, section 'Settings'.") from None
