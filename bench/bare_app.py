"""The floor of any Bolt bot: a Bolt app whose only listeners ack, for bench/load.py.

Served by the same stack as `panelbot serve` (gunicorn, gthread workers, Bolt's WSGI adapter),
so the ratio Panelbot / this app is the cost of Panelbot's own work per request.

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… \
        gunicorn -k gthread -w 2 --threads 8 bench.bare_app:application
"""

from __future__ import annotations

import os
import re
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

# Bolt asks auth.test once per process (on the first request) to learn the bot's ids, as it
# does for Panelbot; after that the floor makes no Slack calls at all.
app = App(
    client=WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    ),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)
EVERYTHING = re.compile(".*")


def just_ack(ack: Ack, **_: Any) -> None:
    ack()


app.command(EVERYTHING)(just_ack)
app.action(EVERYTHING)(just_ack)
app.view(EVERYTHING)(just_ack)
app.shortcut(EVERYTHING)(just_ack)
application = SlackRequestHandler(app)
