"""`panelbot doctor` as an admin runs it (a subprocess) against the Slack stand-in, on SQLite
and PostgreSQL: one line per check, every failure saying what to do; exit 0 when all hold,
1 otherwise."""

from __future__ import annotations

from pathlib import Path

from bot.domain.panel import Status
from bot.slack.manifest import bot_scopes
from storage.db import Database, make_engine
from storage.migrate import downgrade, head_revision, upgrade
from tests.slack.standin import SlackStandIn
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import NO_BOT_CHANNEL, TEAM_A, Harness, seed_workspace
from tests.support.oauth_harness import CLIENT_ID, CLIENT_SECRET, install
from tests.support.processes import free_port, panelbot

SLACK_SECRET = "0123456789abcdef0123456789abcdef"  # the shape of Slack's signing secrets


def doctor(env: dict[str, str], tmp_path: Path) -> tuple[int, list[str]]:
    result = panelbot("doctor", env=env, cwd=tmp_path)
    assert result.stderr == "" and "Traceback" not in result.stdout, result.stderr
    return result.returncode, result.stdout.splitlines()


def env_for(standin: SlackStandIn, url: str, **more: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": standin.token or "",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
        **more,
    }


def test_all_good(database_url: str, db: Database, tmp_path: Path) -> None:
    seed_finished_rounds(db, 2, status=Status.OPEN)  # in the hiring channel, where the bot is
    with SlackStandIn() as standin:
        seed_workspace(standin)
        standin.grant_scopes(standin.token or "", ",".join(bot_scopes()))
        env = env_for(standin, database_url, SLACK_APP_TOKEN="xapp-test")
        code, lines = doctor(env, tmp_path)
    where = make_engine(database_url).url.render_as_string(hide_password=True)
    assert lines == [
        "ok   settings: one workspace (SLACK_BOT_TOKEN), Socket Mode (SLACK_APP_TOKEN)",
        f"ok   database: {where}, schema current",
        "ok   signing secret: 32 hex characters, as Slack's are",
        "ok   bot token: panelbot in Acme (T0001)",
        f"ok   bot token scopes: all {len(bot_scopes())} the manifest asks for",
        "ok   app-level token: Slack offers a Socket Mode connection",
        "ok   hiring channels: all 1 with open rounds reachable",
    ]
    assert code == 0


def test_every_failure_says_what_to_do(database_url: str, db: Database, tmp_path: Path) -> None:
    seed_finished_rounds(db, 1, status=Status.OPEN)
    seed_finished_rounds(db, 1, status=Status.OPEN, channel=NO_BOT_CHANNEL)
    seed_finished_rounds(db, 1, status=Status.OPEN, channel="C0DELETED")
    seed_finished_rounds(db, 1, status=Status.COMPLETE, channel="C0OLD")  # not looked at
    with SlackStandIn() as standin:
        seed_workspace(standin)
        standin.grant_scopes(standin.token or "", "commands,chat:write,users:read")
        env = env_for(
            standin, database_url, SLACK_SIGNING_SECRET="not-a-secret", SLACK_APP_TOKEN="xapp-x"
        )
        code, lines = doctor(env, tmp_path)
    assert code == 1
    failed = {line.split(":")[0].removeprefix("FAIL "): line for line in lines if "FAIL" in line}
    assert set(failed) == {
        "signing secret",
        "bot token scopes",
        "app-level token",
        "hiring channels",
    }
    assert failed["signing secret"].endswith(
        "copy the Signing Secret from Basic Information → App Credentials (not the Client "
        "Secret or the Verification Token)."
    )
    assert failed["bot token scopes"] == (
        "FAIL bot token scopes: missing im:write, channels:read, groups:read, files:write: "
        "add them under OAuth & Permissions → Scopes (or paste `panelbot manifest` again) and "
        "reinstall the app"
    )
    assert failed["app-level token"] == (
        "FAIL app-level token: Slack refused the app-level token (invalid_auth); check "
        "SLACK_APP_TOKEN: an xapp-… token with the connections:write scope (Basic Information "
        "→ App-Level Tokens)."
    )
    assert failed["hiring channels"] == (
        "FAIL hiring channels: 2 of 3 unreachable: C0DELETED (T0001): channel_not_found; "
        "C0RANDOM (T0001): Panelbot is not in it; invite Panelbot there (/invite @Panelbot), "
        "or close their rounds"
    )
    assert "ok   bot token: panelbot in Acme (T0001)" in lines


def test_settings_database_and_slack_out_of_reach(database_url: str, tmp_path: Path) -> None:
    # Nothing set: the settings fail, Slack is not checked, the database still is.
    code, lines = doctor({"DATABASE_URL": database_url}, tmp_path)
    assert code == 1
    assert lines[0].startswith("FAIL settings: SLACK_BOT_TOKEN is not set: set either")
    assert lines[1].startswith("ok   database: ")
    assert lines[2] == "skip Slack: not checked until the settings above are fixed"
    assert len(lines) == 3

    # Slack unreachable, the schema behind.
    engine = make_engine(database_url)
    head = head_revision(engine)
    downgrade(engine, "0003")
    try:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
            "DATABASE_URL": database_url,
        }
        code, lines = doctor(env, tmp_path)
    finally:
        upgrade(engine)  # PostgreSQL's test database is shared by the session
        engine.dispose()
    assert code == 1
    assert lines[1] == (
        f"FAIL database: database schema is at 0003, this version needs {head}: run "
        "`panelbot db upgrade` first."
    )
    assert lines[3] == (
        f"FAIL bot token: cannot reach Slack at {env['SLACK_API_URL']} (connection refused); "
        "check the network and SLACK_API_URL."
    )
    assert lines[-1] == "skip app-level token: SLACK_APP_TOKEN not set: HTTP mode"


def test_oauth_mode_checks_each_installed_workspace(oauth_harness: Harness, tmp_path: Path) -> None:
    h = oauth_harness
    assert install(h, TEAM_A).status == 200
    url = h.db.engine.url.render_as_string(hide_password=False)
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": h.standin.api_url,
        "DATABASE_URL": url,
    }
    code, lines = doctor(env, tmp_path)
    assert lines[0] == (
        "ok   settings: several workspaces through OAuth (SLACK_CLIENT_ID), HTTP mode on port 3000"
    )
    assert "ok   workspace T0001: panelbot in Acme (T0001)" in lines
    assert f"ok   workspace T0001 scopes: all {len(bot_scopes())} the manifest asks for" in lines
    assert code == 0, lines

    h.standin.revoke_tokens(TEAM_A.team_id)
    code, lines = doctor(env, tmp_path)
    assert code == 1
    assert (
        "FAIL workspace T0001: Slack refused the workspace's bot token (token_revoked: the app "
        "was uninstalled or its token revoked; reinstall it); install Panelbot there again "
        "(/slack/install on your server)."
    ) in lines
