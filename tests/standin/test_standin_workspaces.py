"""Self-tests of the stand-in's workspaces, tokens and OAuth: each call acts as its token's
workspace and sees nothing of another; oauth.v2.access checks the app's credentials, codes
and refresh tokens work once; revoked and expired tokens are refused as Slack does."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.standin import SlackStandIn
from tests.support.clock import StandInClock

CLIENT_ID, SECRET = "1.2", "app-secret"
REDIRECT = "https://bot.example/slack/oauth_redirect"


@pytest.fixture
def standin(clock: StandInClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(token="xoxb-a", clock=clock) as server:
        server.add_user("UA1", "ada")
        server.add_channel("CA", "a-hiring", is_private=True, members=["UA1"])
        server.add_workspace("T0002", "beta", token="xoxb-b")
        server.add_user("UB1", "bea", team_id="T0002")
        server.add_channel("CB", "b-hiring", members=["UB1"], team_id="T0002")
        server.configure_oauth(CLIENT_ID, SECRET, redirect_url=REDIRECT, token_rotation=True)
        yield server


def client(standin: SlackStandIn, token: str | None = None) -> WebClient:
    return WebClient(base_url=standin.api_url, token=token)


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def authorize(standin: SlackStandIn, team: str, installer: str) -> dict[str, str]:
    """The consent page approves at once; the query Slack sends back to the redirect URL."""
    query = urlencode({"client_id": CLIENT_ID, "scope": "chat:write", "state": "s1", "team": team})
    request = urllib.request.Request(
        f"{standin.base_url}/oauth/v2/authorize?{query}", headers={"X-StandIn-User": installer}
    )

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.build_opener(Stay).open(request, timeout=5)
    assert caught.value.code == 302
    location = caught.value.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_each_token_acts_as_its_own_workspace(standin: SlackStandIn) -> None:
    a, b = client(standin, "xoxb-a"), client(standin, "xoxb-b")
    assert a.auth_test()["team_id"] == "T0001" and a.auth_test()["user_id"] == "UBOT"
    me = b.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0002", "UBOTT0002", "BBOTT0002")
    assert b.chat_postMessage(channel="CB", text="hi")["message"]["user"] == "UBOTT0002"
    # Another workspace's channels, people and DMs are not there for a token.
    assert error_of(lambda: a.conversations_info(channel="CB")) == "channel_not_found"
    assert error_of(lambda: a.chat_postMessage(channel="CB", text="x")) == "channel_not_found"
    assert error_of(lambda: a.users_info(user="UB1")) == "user_not_found"
    assert error_of(lambda: a.conversations_open(users="UB1")) == "user_not_found"
    assert error_of(lambda: a.chat_postMessage(channel="DUB1", text="x")) == "channel_not_found"
    trigger = standin.new_trigger_id("UB1")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [section]}
    assert error_of(lambda: a.views_open(trigger_id=trigger, view=view)) == "invalid_trigger_id"
    # Read outside any call, a channel is described as its own workspace sees it.
    assert (standin.channel_info("CB") or {})["is_member"] is True


def test_oauth_install_and_rotation(standin: SlackStandIn, clock: StandInClock) -> None:
    anon = client(standin)
    back = authorize(standin, "T0002", "UB1")
    assert back["state"] == "s1"
    assert (
        error_of(lambda: anon.oauth_v2_access(client_id=CLIENT_ID, client_secret="no", code="x"))
        == "bad_client_secret"
    )
    granted = anon.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=back["code"])
    assert granted["team"] == {"id": "T0002", "name": "Beta"}
    assert granted["authed_user"] == {"id": "UB1"} and granted["expires_in"] == 12 * 3600
    token, refresh = granted["access_token"], granted["refresh_token"]
    assert standin.team_of(token) == "T0002"
    assert client(standin, token).auth_test()["team_id"] == "T0002"
    again = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": back["code"]}
    assert error_of(lambda: anon.oauth_v2_access(**again)) == "invalid_code"

    clock.now += 12 * 3600
    assert error_of(lambda: client(standin, token).auth_test()) == "token_expired"
    fresh = anon.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=SECRET, grant_type="refresh_token", refresh_token=refresh
    )
    assert fresh["token_type"] == "bot" and fresh["refresh_token"] != refresh
    assert client(standin, fresh["access_token"]).auth_test()["team_id"] == "T0002"
    reuse = {"grant_type": "refresh_token", "refresh_token": refresh}
    assert (
        error_of(lambda: anon.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, **reuse))
        == "invalid_refresh_token"
    )

    standin.revoke_tokens("T0002")
    assert error_of(lambda: client(standin, fresh["access_token"]).auth_test()) == "token_revoked"
    assert error_of(lambda: client(standin, "xoxb-nope").auth_test()) == "invalid_auth"
    assert standin.live_tokens("T0002") == [] and standin.live_tokens("T0001") == ["xoxb-a"]
