"""Installing in several workspaces through Slack OAuth, on SQLite and PostgreSQL: the install
flow (and the states it refuses), each team's own token for requests and for background
sending, token rotation on both paths (one refresh however many ask at once), uninstalls and
revoked tokens, unknown teams refused; and the settings that pick the mode.

Single-token mode is the rest of the suite; here only what it records about its workspace."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update

from bot.domain.message import Message
from bot.runtime.app import build_services
from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.services import Services
from bot.services.dispatcher import NOT_INSTALLED
from bot.services.outbox import OutboxWriter
from bot.slack.manifest import bot_scopes
from storage.db import Database
from storage.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    Base,
    Outbox,
    Round,
    Workspace,
    WorkState,
)
from tests.support.harness import SIGNING_SECRET, TEAM_A, TEAM_B, Harness, Team
from tests.support.oauth_harness import CLIENT_ID, CLIENT_SECRET, begin, consent, install
from tests.support.paths import ROOT
from tests.support.rows import count
from tests.support.web import get

MANIFEST = ROOT / "manifest.yml"
BOTS = Base.metadata.tables[SLACK_BOTS]
INSTALLATIONS = Base.metadata.tables[SLACK_INSTALLATIONS]
STATES = Base.metadata.tables[SLACK_OAUTH_STATES]
SHORT_LIVED = 60  # seconds: inside the 120-minute rotation margin from the start


# -- helpers ---------------------------------------------------------------------------------
def stored_bot_tokens(db: Database, team: Team) -> list[str]:
    with db.read() as session:
        rows = session.execute(select(BOTS.c.bot_token).where(BOTS.c.team_id == team.team_id))
        return [row[0] for row in rows]


def installation_tokens(db: Database, team: Team) -> list[str | None]:
    with db.read() as session:
        query = select(INSTALLATIONS.c.bot_token).where(INSTALLATIONS.c.team_id == team.team_id)
        return [row[0] for row in session.execute(query)]


def workspace(db: Database, team: Team) -> Workspace | None:
    with db.read() as session:
        return session.get(Workspace, team.team_id)


def refreshes(h: Harness) -> list[Any]:
    return [
        call
        for call in h.standin.calls_to("oauth.v2.access")
        if call.args.get("grant_type") == "refresh_token"
    ]


def enqueue_dms(h: Harness, team: Team, n: int, prefix: str = "hello") -> None:
    """Messages to the team's panelists, as a service enqueues them."""
    with h.db.transaction() as session:
        out = OutboxWriter(session, team.team_id, h.clock())
        for i in range(n):
            user = team.panel[i % len(team.panel)]
            note = Message(f"{prefix} {i}", [])
            out.post(f"{prefix}:{team.team_id}:{i}", note, label="a test note", user_id=user)


def oauth_settings(h: Harness) -> Settings:
    return Settings(
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=h.standin.api_url,
        database_url="unused",
    )


@pytest.fixture
def short_lived_install(oauth_harness: Harness) -> Iterator[Harness]:
    """Team A installed with a token already inside the rotation margin, which Slack then
    lets expire; tokens issued afterwards live 12 hours again."""
    h = oauth_harness
    assert h.standin.oauth is not None
    h.standin.oauth.expires_in = SHORT_LIVED
    assert install(h, TEAM_A).status == 200
    h.standin.oauth.expires_in = 12 * 3600
    h.standin.expire_tokens(TEAM_A.team_id)
    yield h


# -- 1. the install flow ---------------------------------------------------------------------
def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    oauth_harness: Harness,
) -> None:
    h = oauth_harness
    for team in (TEAM_A, TEAM_B):
        reply = install(h, team)
        assert reply.status == 200, reply.body
        assert "Thank you!" in reply.body or "success" in reply.body.lower()
    a_tokens, b_tokens = stored_bot_tokens(h.db, TEAM_A), stored_bot_tokens(h.db, TEAM_B)
    assert len(a_tokens) == len(b_tokens) == 1 and a_tokens != b_tokens
    assert h.standin.team_of(a_tokens[0]) == TEAM_A.team_id
    assert h.standin.team_of(b_tokens[0]) == TEAM_B.team_id
    for team, name in ((TEAM_A, "Acme"), (TEAM_B, "Beta")):
        row = workspace(h.db, team)
        assert row is not None and row.team_name == name and row.uninstalled_at is None
    # The code was exchanged with the app's credentials, for the scopes of the manifest.
    [exchange, _] = h.standin.calls_to("oauth.v2.access")
    assert exchange.args["client_id"] == CLIENT_ID and exchange.args["code"]
    assert h.standin.calls_to("oauth.v2.access")[0].ok

    # Each team starts a round; every call about B's people and channel carries B's token.
    b = h.for_team(TEAM_B)
    h.start_round(candidate="Ada Lovelace")
    b.start_round(candidate="Barbara Liskov")
    b_places = {TEAM_B.hiring, *(f"D{u}" for u in TEAM_B.panel), *TEAM_B.panel, TEAM_B.org}
    about_b = [
        call
        for call in h.standin.calls
        if (
            call.args.get("channel")
            or call.args.get("channel_id")
            or call.args.get("users")
            or call.args.get("user")
        )
        in b_places
    ]
    assert about_b  # B's round did ask Slack about B's channel and people
    for call in about_b:
        assert h.standin.team_of(call.token) == TEAM_B.team_id, call
    announcement = b.announcement()
    assert announcement is not None and "Barbara Liskov" in announcement["text"]
    assert announcement["user"] == h.standin.workspace(TEAM_B.team_id).bot_user_id


def test_install_refuses_a_bad_reused_or_expired_state(oauth_harness: Harness) -> None:
    h = oauth_harness
    started = begin(h, TEAM_A)
    back = consent(started, TEAM_A.org)
    # Another browser (no cookie, or someone else's) cannot finish it.
    assert get(back).status == 400
    assert get(back, {"Cookie": "slack-app-oauth-state=forged"}).status == 400
    # A state the bot never issued, even with a matching cookie.
    forged = back.replace(started.state, "not-a-state")
    assert get(forged, {"Cookie": "slack-app-oauth-state=not-a-state"}).status == 401
    # The real one works once; replayed, its state is spent.
    assert get(back, {"Cookie": started.cookie}).status == 200
    assert get(back, {"Cookie": started.cookie}).status == 401
    assert len(h.standin.calls_to("oauth.v2.access")) == 1

    # An install link left open past its 10 minutes.
    late = begin(h, TEAM_B)
    late_back = consent(late, TEAM_B.org)
    with h.db.transaction() as session:
        session.execute(
            update(STATES)
            .where(STATES.c.state == late.state)
            .values(expire_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1))
        )
    assert get(late_back, {"Cookie": late.cookie}).status == 401
    assert stored_bot_tokens(h.db, TEAM_B) == [] and workspace(h.db, TEAM_B) is None
    assert len(h.standin.calls_to("oauth.v2.access")) == 1  # its code was never exchanged


def test_unknown_and_uninstalled_teams_are_refused_and_nothing_is_stored(
    oauth_harness: Harness,
) -> None:
    h = oauth_harness
    assert install(h, TEAM_A).status == 200
    for stranger in (h.driver.for_team(TEAM_B.team_id), h.driver.for_team("T0NOBODY")):
        before = len(h.standin.calls)
        told = len(h.standin.responses)
        reply = stranger.command(TEAM_B.org, "new Eve Stranger", channel_id=TEAM_B.hiring)
        # Bolt's authorize finds no installation and says so where the command was typed.
        assert reply.status == 200 and reply.body == ""
        assert len(h.standin.responses) == told + 1  # this stranger's own answer
        message = h.standin.responses[told]["text"]
        assert "installation with this app is no longer available" in message
        home = stranger.event({"type": "app_home_opened", "user": TEAM_B.org, "tab": "home"})
        assert "no longer available" in home.body and TEAM_B.org not in h.standin.home_views
        # No modal was opened, nothing was asked of Slack with anyone's token.
        assert [c.method for c in h.standin.calls[before:]] == []
    for team_id in (TEAM_B.team_id, "T0NOBODY"):
        with h.db.read() as session:
            assert session.get(Workspace, team_id) is None
            for model in (Round, Outbox):
                assert count(h.db, model, model.team_id == team_id) == 0


# -- 2. token rotation -----------------------------------------------------------------------
def test_requests_rotate_an_expiring_token_once(short_lived_install: Harness) -> None:
    h = short_lived_install
    [old] = stored_bot_tokens(h.db, TEAM_A)
    expired_at = len(h.standin.calls)
    # A burst of requests at the moment of rotation: one refresh, everyone answered.
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: h.driver.command(TEAM_A.org, "status"), range(4)))
    assert [r.status for r in replies] == [200] * 4
    assert all("You owe feedback" in r.body for r in replies), replies
    assert len(refreshes(h)) == 1 and refreshes(h)[0].ok
    [new] = stored_bot_tokens(h.db, TEAM_A)
    assert new != old and h.standin.live_tokens(TEAM_A.team_id) == [new]
    assert installation_tokens(h.db, TEAM_A) == [new]  # both of slack_sdk's tables
    assert all(call.token != old for call in h.standin.calls[expired_at:])
    # The next request uses the new token as it is.
    assert h.driver.command(TEAM_A.org, "status").status == 200
    assert len(refreshes(h)) == 1


def test_background_sending_rotates_once_across_instances(short_lived_install: Harness) -> None:
    """Two instances (their own engines, as two processes would have) deliver the team's
    messages at once: one refreshes the token under the team's lock, the other finds the
    fresh token when it gets the lock; everything goes out with the new token."""
    h = short_lived_install
    [old] = stored_bot_tokens(h.db, TEAM_A)
    enqueue_dms(h, TEAM_A, 50)  # two claims' worth: each instance gets rows
    other_db = Database.from_url(h.db.engine.url.render_as_string(hide_password=False))
    try:
        other = build_services(oauth_settings(h), other_db, now=h.clock)
        start = threading.Barrier(2)

        def deliver(services: Services) -> int:
            start.wait(timeout=10)
            return services.dispatcher.run(budget=20).sent

        with ThreadPoolExecutor(max_workers=2) as pool:
            sent = list(pool.map(deliver, [h.services, other]))
    finally:
        other_db.dispose()
    assert sum(sent) == 50 and min(sent) > 0, sent
    assert len(refreshes(h)) == 1
    [new] = stored_bot_tokens(h.db, TEAM_A)
    posts = h.standin.calls_to("chat.postMessage")
    assert len(posts) == 50 and all(p.ok and p.token == new for p in posts)
    assert not any(call.token == old and not call.ok for call in h.standin.calls)
    with h.db.read() as session:
        statuses = session.scalars(select(Outbox.status).where(Outbox.team_id == "T0001"))
        assert set(statuses) == {WorkState.SENT}


def test_a_token_slack_refuses_is_read_again_before_giving_up(oauth_harness: Harness) -> None:
    """Slack revoked the token but no event told us: the row fails with a clear reason
    instead of retrying for two days, and nobody is sent a note with the dead token."""
    h = oauth_harness
    assert install(h, TEAM_A).status == 200
    h.services.dispatcher.run(budget=5)  # warm the token cache
    h.standin.revoke_tokens(TEAM_A.team_id)
    enqueue_dms(h, TEAM_A, 1)
    stats = h.services.dispatcher.run(budget=5)
    assert stats.failed == 1 and stats.sent == 0
    with h.db.read() as session:
        [row] = session.scalars(select(Outbox).where(Outbox.team_id == TEAM_A.team_id))
    assert row.status == WorkState.FAILED
    assert row.last_error == "token_revoked: Slack no longer accepts this workspace's token"
    assert count(h.db, Outbox, Outbox.team_id == TEAM_A.team_id) == 1  # no "could not deliver" note


# -- 3. uninstalls and revoked tokens --------------------------------------------------------
def both_installed(h: Harness) -> Harness:
    """Workspaces A and B installed; the harness as B's people."""
    for team in (TEAM_A, TEAM_B):
        assert install(h, team).status == 200
    return h.for_team(TEAM_B)


def test_app_uninstalled_deletes_the_teams_tokens_and_keeps_its_data(
    oauth_harness: Harness,
) -> None:
    h = oauth_harness
    b = both_installed(h)
    round_id = b.start_round(candidate="Barbara Liskov")
    enqueue_dms(h, TEAM_B, 2, prefix="after")
    h.standin.revoke_tokens(TEAM_B.team_id)  # Slack revokes first, then tells the app
    assert b.driver.event({"type": "app_uninstalled"}).status == 200
    gone = h.wait_for(
        lambda: w.uninstalled_at if (w := workspace(h.db, TEAM_B)) else None, "the uninstall stamp"
    )
    assert abs(gone - h.clock()) < timedelta(seconds=10)
    assert stored_bot_tokens(h.db, TEAM_B) == [] and installation_tokens(h.db, TEAM_B) == []
    assert len(stored_bot_tokens(h.db, TEAM_A)) == 1
    a_row = workspace(h.db, TEAM_A)
    assert a_row is not None and a_row.uninstalled_at is None
    with h.db.read() as session:  # kept for the retention period
        assert session.get(Round, round_id) is not None

    # What B had waiting is settled without a Slack call, never retried.
    before = len(h.standin.calls)
    h.tick()
    assert h.standin.calls[before:] == []
    with h.db.read() as session:
        rows = session.scalars(select(Outbox).where(Outbox.key.like("after:%"))).all()
    assert {(r.status, r.last_error) for r in rows} == {(WorkState.SKIPPED, NOT_INSTALLED)}
    # B's people are refused now; a reinstall brings B back with a new token.
    reply = b.driver.command(TEAM_B.org, "status")
    assert "no longer available" in h.standin.responses[-1]["text"] and reply.body == ""
    assert install(h, TEAM_B).status == 200
    back = workspace(h.db, TEAM_B)
    assert back is not None and back.uninstalled_at is None and back.installed_at >= gone
    assert "You owe feedback" in b.driver.command(TEAM_B.org, "status").body


def test_tokens_revoked_for_the_bot_is_an_uninstall_for_users_is_not(
    oauth_harness: Harness,
) -> None:
    h = oauth_harness
    b = both_installed(h)
    # The installer's user authorization goes (the bot's stays).
    revoked_user = {"type": "tokens_revoked", "tokens": {"oauth": [TEAM_B.org], "bot": []}}
    assert b.driver.event(revoked_user).status == 200
    h.wait_for(lambda: installation_tokens(h.db, TEAM_B) == [], "the installer's row gone")
    assert len(stored_bot_tokens(h.db, TEAM_B)) == 1
    assert "You owe feedback" in b.driver.command(TEAM_B.org, "status").body
    row = workspace(h.db, TEAM_B)
    assert row is not None and row.uninstalled_at is None

    # The bot token goes: nothing is left to act with in B.
    assert install(h, TEAM_B).status == 200  # an installation row again, with the token
    h.standin.revoke_tokens(TEAM_B.team_id)
    bot_user = h.standin.workspace(TEAM_B.team_id).bot_user_id
    revoked_bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot_user]}}
    assert b.driver.event(revoked_bot).status == 200
    h.wait_for(lambda: stored_bot_tokens(h.db, TEAM_B) == [], "B's bot tokens gone")
    assert installation_tokens(h.db, TEAM_B) == [None]  # the installer stays, tokenless
    row = h.wait_for(
        lambda: w if (w := workspace(h.db, TEAM_B)) and w.uninstalled_at else None, "stamp"
    )
    assert row.uninstalled_at is not None
    b.driver.command(TEAM_B.org, "status")
    assert "no longer available" in h.standin.responses[-1]["text"]
    assert len(stored_bot_tokens(h.db, TEAM_A)) == 1


# -- 4. single-token mode and the settings ---------------------------------------------------
def test_single_token_mode_records_its_workspace_and_its_uninstall(harness: Harness) -> None:
    row = workspace(harness.db, TEAM_A)
    assert row is not None and row.team_name == "Acme" and row.uninstalled_at is None
    assert harness.driver.event({"type": "app_uninstalled"}).status == 200
    harness.wait_for(
        lambda: (w := workspace(harness.db, TEAM_A)) and w.uninstalled_at, "the uninstall"
    )


def test_bot_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert list(bot_scopes()) == manifest["oauth_config"]["scopes"]["bot"]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2"}, "are both set"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
        ({"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_ID is not set"),
        ({}, "SLACK_BOT_TOKEN is not set"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"},
            "needs HTTP mode",
        ),
    ],
)
def test_exactly_one_token_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], problem: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)
    for name, value in {"SLACK_SIGNING_SECRET": "s", **env}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=problem):
        load_settings()
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "s")
    settings = load_settings()
    assert settings.oauth and settings.scopes == list(bot_scopes())
    assert settings.authorize_url == "https://slack.com/oauth/v2/authorize"
