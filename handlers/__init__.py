"""Thin Bolt wiring, one module per feature: parse, ack, call a service, render."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import commands, feedback, home, new_panel, organizer, reminders


def register_all(app: App, services: Services) -> None:
    for feature in (commands, new_panel, feedback, organizer, reminders, home):
        feature.register(app, services)
