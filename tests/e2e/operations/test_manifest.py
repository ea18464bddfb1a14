"""manifest.yml is a valid version-1 Slack app manifest, everything in it has a listener,
and its bot scopes are exactly the ones the code uses; `panelbot manifest` prints it for HTTP
mode at a given address or for Socket Mode, in the same shape."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from bot.runtime.cli import main
from bot.runtime.settings import Settings
from bot.slack.manifest import EXAMPLE_URL, bot_scopes, load_manifest
from bot.views import ids
from bot.views.help import HELP
from tests.support.harness import ANA, BEN, HIRING, ORG, Harness, modal_named
from tests.support.paths import ROOT

MANIFEST = ROOT / "manifest.yml"

# Web API method → the bot scope Slack requires for it (None: no scope needed).
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "users.info": "users:read",
    "conversations.info": "channels:read",  # groups:read for private channels
    "conversations.members": "channels:read",
    "conversations.open": "im:write",
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",  # only the bot's own messages (erasing a candidate)
    "chat.postEphemeral": "chat:write",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
# Private hiring channels need the groups:read twin of channels:read; /panel and the
# shortcut need commands.
SCOPES_WITHOUT_METHODS = {"groups:read", "commands"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(data, dict)
    return data


def test_structure_and_limits(manifest: dict[str, Any]) -> None:
    check_structure(manifest, socket_mode=False)


def check_structure(manifest: dict[str, Any], *, socket_mode: bool) -> None:
    """Slack's manifest schema, as far as Panelbot uses it. With Socket Mode there are no
    request URLs (Slack sends everything over the WebSocket)."""
    assert manifest["_metadata"]["major_version"] == 1
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert len(info.get("description", "")) <= 140
    assert len(info.get("long_description", "")) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    features = manifest["features"]
    assert 1 <= len(features["bot_user"]["display_name"]) <= 80
    assert features["app_home"]["home_tab_enabled"] is True
    for command in features["slash_commands"]:
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command["command"])
        assert len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000
        assert ("url" not in command) if socket_mode else command["url"].startswith("https://")
    assert len(features["shortcuts"]) <= 10
    for shortcut in features["shortcuts"]:
        assert len(shortcut["name"]) <= 24
        assert shortcut["type"] in ("global", "message")
        assert len(shortcut["callback_id"]) <= 255
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is socket_mode
    for section in (settings["interactivity"], settings["event_subscriptions"]):
        if socket_mode:
            assert "request_url" not in section
        else:
            url = section["request_url"]
            assert url.startswith("https://") and url.endswith("/slack/events")
    assert set(manifest) <= {
        "_metadata",
        "display_information",
        "features",
        "oauth_config",
        "settings",
    }


def test_manifest_names_what_the_code_registers(manifest: dict[str, Any]) -> None:
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [ids.COMMAND]
    assert [s["callback_id"] for s in manifest["features"]["shortcuts"]] == [ids.SHORTCUT_NEW_PANEL]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    ]


def test_every_entry_point_has_a_listener(harness: Harness, manifest: dict[str, Any]) -> None:
    """Bolt answers 404 to a request no listener matches; nothing here may get one."""
    for command in manifest["features"]["slash_commands"]:
        assert harness.driver.command(ORG, "help", command=command["command"]).status == 200
    for shortcut in manifest["features"]["shortcuts"]:
        assert harness.driver.shortcut(ORG, shortcut["callback_id"]).status == 200
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert harness.driver.event({"type": event, "user": ORG, "tab": "home"}).status == 200
    message = {"channel": "C0HIRING", "ts": "1.000001", "text": "x", "blocks": []}
    actions = [
        ids.GIVE_FEEDBACK,
        ids.SEE_NOTES,
        ids.CLOSE_ROUND,
        ids.CANCEL_ROUND,
        ids.EDIT_PANELISTS,
        ids.OPEN_NEW_PANEL,
        *ids.NOTES_PAGE,
        ids.COMPARE_ROLE,
        *ids.COMPARE_PAGE,
        ids.COMPARE_CALIBRATED,
        ids.NUDGE_SNOOZE,
        ids.NUDGE_NOT_ATTENDED,
        ids.NUDGE_NOW,
    ]
    for action in actions:
        reply = harness.driver.block_action(ORG, action, value="999", message=message)
        assert reply.status == 200, action


def test_bot_scopes_are_exactly_what_the_code_uses(
    harness: Harness, manifest: dict[str, Any]
) -> None:
    harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA)
    harness.give_feedback(BEN)
    summary = harness.wait_for(harness.thread, "summary")[0]
    harness.click(ORG, summary, "see_notes")
    harness.wait_for(
        lambda: modal_named(harness.standin.open_view_for(ORG), "panel_notes"), "notes"
    )
    harness.driver.event({"type": "app_home_opened", "user": ORG, "tab": "home"})
    harness.wait_for(lambda: harness.standin.home_views.get(ORG), "home")
    # The comparison posts a table and uploads its heatmap; the export uploads a CSV.
    harness.click(ORG, summary, "compare_role")
    harness.wait_for(lambda: harness.standin.files_in(HIRING), "the heatmap")
    harness.driver.command(ORG, "export Staff Engineer", channel_id=HIRING)
    harness.wait_for(lambda: harness.standin.files_in(ORG), "the export")
    used = {call.method for call in harness.standin.calls}
    unknown = used - set(METHOD_SCOPES)
    assert not unknown, f"add the scope of {unknown} to METHOD_SCOPES and the manifest"
    needed = {METHOD_SCOPES[m] for m in used} - {None}
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    assert needed <= granted
    assert granted - needed == SCOPES_WITHOUT_METHODS


def test_the_package_ships_this_very_manifest() -> None:
    """An installed Panelbot reads bot/slack/manifest.yml; the top-level copy is for people."""
    shipped = (ROOT / "bot" / "slack" / "manifest.yml").read_text()
    assert shipped == MANIFEST.read_text(), "copy bot/slack/manifest.yml to manifest.yml"
    assert Settings(slack_bot_token="xoxb-1", slack_signing_secret="s").scopes == list(bot_scopes())


def test_usage_hint_names_every_verb(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    hinted = set(re.findall(r"(?:\[|\| )([a-z]+)", command["usage_hint"]))
    helped = set(re.findall(r"`/panel ([a-z]+)", HELP))
    assert helped, "the help text lists the verbs"
    assert hinted == helped


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["manifest", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("# Panelbot's Slack app manifest")
    data = yaml.safe_load(out)
    assert isinstance(data, dict)
    return data


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [s for item in items for s in strings_in(item)]


def test_manifest_command_without_options_prints_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert main(["manifest"]) == 0
    assert capsys.readouterr().out == MANIFEST.read_text()


def test_manifest_for_an_address(capsys: pytest.CaptureFixture[str]) -> None:
    at = printed(capsys, "--url", "https://panels.acme.io/")
    check_structure(at, socket_mode=False)
    urls = [s for s in strings_in(at) if "://" in s]
    assert len(urls) == 4  # the command, events, interactivity and the OAuth redirect
    assert all(u.startswith("https://panels.acme.io/slack/") for u in urls), urls
    assert not any(EXAMPLE_URL in s for s in strings_in(at))
    # Nothing else changed.
    original = load_manifest()
    assert strings_in(at) == [
        s.replace(EXAMPLE_URL, "https://panels.acme.io") for s in strings_in(original)
    ]


def test_manifest_for_socket_mode(capsys: pytest.CaptureFixture[str]) -> None:
    socket = printed(capsys, "--socket-mode")
    check_structure(socket, socket_mode=True)
    assert not [s for s in strings_in(socket) if "://" in s], "no URL at all"
    assert "redirect_urls" not in socket["oauth_config"], "OAuth installs need HTTP mode"
    # Everything else is the shipped manifest's.
    expected = copy.deepcopy(load_manifest())
    del expected["features"]["slash_commands"][0]["url"]
    del expected["settings"]["event_subscriptions"]["request_url"]
    del expected["settings"]["interactivity"]["request_url"]
    del expected["oauth_config"]["redirect_urls"]
    expected["settings"]["socket_mode_enabled"] = True
    assert socket == expected


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "http://panels.acme.io"],
        ["--url", "panels.acme.io"],
        ["--url", "https://panels.acme.io/?x=1"],
        ["--url", "https://x.io", "--socket-mode"],
    ],
)
def test_manifest_refuses_what_slack_would(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["manifest", *args])
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("panelbot manifest: ")
