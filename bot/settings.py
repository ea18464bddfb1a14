"""Settings from the environment and `.env` (see README, "Settings")."""

from __future__ import annotations

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: str = Field(min_length=1)
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

    @model_validator(mode="after")
    def _lease_covers_a_send(self) -> Settings:
        if self.work_lease_seconds < 2 * (2 * self.slack_timeout_seconds + 5):
            raise ValueError(
                "WORK_LEASE_SECONDS must be at least 4 × SLACK_TIMEOUT_SECONDS + 10 "
                f"(now {self.work_lease_seconds:g} and {self.slack_timeout_seconds:g})"
            )
        return self

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
