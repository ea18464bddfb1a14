"""The App Home tab: what I owe, what I can still edit, what I organize."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.views.overview import home_view
from handlers.payload import team_id
from handlers.responses import guarded


def home(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, *, services: Services
) -> None:
    if event.get("tab", "home") != "home":
        return
    user = str(event.get("user") or "")
    if not user:  # no one to draw the tab for (Slack always names them)
        return
    overview = services.overview.for_user(team_id(body), user)
    client.views_publish(user_id=user, view=home_view(overview))


def register(app: App, services: Services) -> None:
    app.event("app_home_opened")(guarded(home, services))
