"""Logging: plain text on a terminal, one JSON object per line otherwise (a log pipeline);
LOG_FORMAT=text|json decides instead when set.

Two guarantees, whatever LOG_LEVEL says (README, "Observability"): no feedback text and no
tokens in the logs. Our own code logs ids and counts only; the libraries that would log
payloads are held at INFO or WARNING (see LIBRARY_FLOORS), and a filter on the handler
redacts Slack tokens and the app's secrets should one ever reach a message.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import slack_bolt
import slack_sdk
import sqlalchemy
from pythonjsonlogger.json import JsonFormatter

from bot.runtime.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Bot, user, refresh, app-level and legacy tokens, including rotated ones (xoxe.xoxp-1-…).
SLACK_TOKEN = re.compile(r"\b(xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"

# slack_sdk logs every Web API request and response body at DEBUG; Bolt (through the
# slack_bolt.* loggers, the "panelbot.bolt" logger bot/runtime/app.py hands it and the per-listener
# loggers it copies from that one) logs the bodies it answers with at DEBUG, and at INFO the
# whole body and signature of a request whose signature did not verify (a Slack request
# that arrived late carries feedback text too). SQLAlchemy's engine logs every statement's
# parameters at INFO. So whatever LOG_LEVEL says, these loggers never go below these floors.
LIBRARY_FLOORS = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.WARNING,
    "panelbot.bolt": logging.WARNING,
    "sqlalchemy": logging.WARNING,
}
# The same floors by source file, for records that come through a logger whose level was
# copied before configure_logging ran (Bolt copies levels into the loggers it creates).
_PACKAGE_FLOORS = {
    str(Path(package.__file__ or "").parent): LIBRARY_FLOORS[package.__name__]
    for package in (slack_sdk, slack_bolt, sqlalchemy)
}


class RedactSecrets(logging.Filter):
    """Replaces Slack tokens and the given secrets in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Very short "secrets" (a test's "s") would blank out ordinary words.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return SLACK_TOKEN.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: the formatter reports them
            return True
        # The message is rendered once here; formatters then use it as it is.
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            trace = record.exc_text
            clean = self.redact(trace)
            if clean != trace:
                # Formatters render exc_info afresh when it is set; keep only the clean text.
                record.exc_text, record.exc_info = clean, None
        return True


class LibraryFloors(logging.Filter):
    """Drops records below LIBRARY_FLOORS that library code logged, by source file."""

    def filter(self, record: logging.LogRecord) -> bool:
        for directory, floor in _PACKAGE_FLOORS.items():
            if record.pathname.startswith(directory):
                return record.levelno >= floor
        return True


class QuietMigrations(logging.Filter):
    """Drops Alembic's INFO lines about its own machinery (its plugins, its database
    context), logged each time a schema is looked at; "Running upgrade …" lines stay."""

    MACHINERY = ("Context impl ", "Will assume ")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        if record.name == "alembic.runtime.plugins":
            return False
        if record.name == "alembic.runtime.migration":
            return not str(record.msg).startswith(self.MACHINERY)
        return True


class UtcJsonFormatter(JsonFormatter):
    """time (ISO 8601, UTC), level, logger, message, then the record's extra fields."""

    def __init__(self) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Log to `stream` (stderr) in LOG_FORMAT at LOG_LEVEL. Like logging.basicConfig, it
    leaves the root logger alone if it already has handlers (a host that configured
    logging itself, pytest); the library floors apply in any case."""
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL {settings.log_level!r} is not a logging level")
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        UtcJsonFormatter()
        if log_format(settings, stream) == "json"
        else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(LibraryFloors())
    handler.addFilter(QuietMigrations())
    handler.addFilter(
        RedactSecrets(
            [
                settings.slack_bot_token,
                settings.slack_signing_secret,
                settings.slack_app_token,
                settings.slack_client_secret,
            ]
        )
    )
    logging.basicConfig(level=level, handlers=[handler])
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(level, floor))


def log_format(settings: Settings, stream: TextIO) -> str:
    """LOG_FORMAT if set; else text for a person at a terminal, JSON for anything else."""
    if settings.log_format:
        return settings.log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"
