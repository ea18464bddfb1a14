"""Thin Bolt wiring, one module per feature: parse, ack, call a service, render."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import (
    commands,
    comparisons,
    decisions,
    feedback,
    forget,
    home,
    installs,
    new_panel,
    organizer,
    outcomes,
    reminders,
    validity,
)


def register_all(app: App, services: Services) -> None:
    verbs = (
        comparisons.register(app, services)
        | forget.register(app, services)
        | validity.register(app, services)
    )
    commands.register(app, services, verbs)
    for feature in (new_panel, feedback, organizer, reminders, home, installs, decisions, outcomes):
        feature.register(app, services)
