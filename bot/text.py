"""mrkdwn helpers: escape user text, Slack date tokens."""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """Slack's three control characters; a candidate named <!channel> must never ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def date_token(when: datetime, fmt: str = "{date_short_pretty} at {time}") -> str:
    """Each reader sees the time in their own time zone; the fallback is UTC."""
    epoch = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{fallback}>"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"
