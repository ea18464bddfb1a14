"""Installing Panelbot in a workspace the way a browser does, against the OAuth-mode app
(`oauth_harness` in conftest.py) and the stand-in's consent page:

1. GET the bot's /slack/install?team=T → 302 to Slack's authorize page, with the `state`
   in the URL and in a cookie;
2. GET that page as the installer (the stand-in approves at once) → 302 back to the bot's
   /slack/oauth_redirect?code=…&state=…;
3. GET that with the cookie → the bot exchanges the code (oauth.v2.access), stores the
   tokens and answers its success page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from tests.slack.driver import Reply
from tests.support.harness import Harness, Team
from tests.support.web import get

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"


@dataclass(frozen=True)
class Started:
    """Step 1 done: where the browser goes next, and the cookie it now holds."""

    authorize_url: str
    cookie: str

    @property
    def state(self) -> str:
        return parse_qs(urlsplit(self.authorize_url).query)["state"][0]


def begin(h: Harness, team: Team) -> Started:
    reply = get(f"{h.url}/slack/install?team={team.team_id}")
    assert reply.status == 302, reply.body
    cookie = reply.headers["set-cookie"].split(";")[0]
    return Started(reply.headers["location"], cookie)


def consent(started: Started, installer: str) -> str:
    """The installer approves on Slack's page; returns the redirect back to the bot."""
    reply = get(started.authorize_url, {"X-StandIn-User": installer})
    assert reply.status == 302, reply.body
    return reply.headers["location"]


def install(h: Harness, team: Team) -> Reply:
    """The whole flow for `team`, its organizer installing; the bot's last answer."""
    started = begin(h, team)
    return get(consent(started, team.org), {"Cookie": started.cookie})
