"""Thin Bolt wiring, one module per feature: parse, ack, call a service, render.

Listeners are module-level functions; each module's `register(app, services)` hands them
to Bolt wrapped by handlers.responses.guarded, which gives them the services, renders their
errors and delivers what they return as touched."""

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
    rubrics,
    validity,
)

# Bolt tries each listener's matchers in the order registered, at a cost per listener, until
# one matches: the most frequent requests (a panelist's feedback, /panel) come first.
# No two listeners match the same request, so the order changes nothing else.
FEATURES = (
    feedback,
    commands,
    comparisons,
    rubrics,
    forget,
    validity,
    new_panel,
    organizer,
    reminders,
    home,
    installs,
    decisions,
    outcomes,
)


def register_all(app: App, services: Services) -> None:
    for feature in FEATURES:
        feature.register(app, services)
