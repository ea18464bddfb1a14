"""Panelbot's Slack app manifest: bot/slack/manifest.yml, shipped inside the package so an installed
Panelbot has it (manifest.yml at the top of the repository is the same file), and the variants
`panelbot manifest` prints for pasting into Slack's "Create New App → From a manifest"."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

# The public address manifest.yml uses as an example, in every request and redirect URL.
EXAMPLE_URL = "https://panelbot.example.com"
Manifest = dict[str, Any]


def manifest_text() -> str:
    return resources.files("bot.slack").joinpath("manifest.yml").read_text(encoding="utf-8")


def load_manifest() -> Manifest:
    import yaml  # only the commands that read the manifest pay for it

    data = yaml.safe_load(manifest_text())
    if not isinstance(data, dict):
        raise ValueError("bot/slack/manifest.yml is not a mapping")
    return data


@cache
def bot_scopes() -> tuple[str, ...]:
    """The bot scopes the app asks for: checked by `panelbot doctor`, requested by an OAuth
    install (SLACK_SCOPES' default)."""
    return tuple(load_manifest()["oauth_config"]["scopes"]["bot"])


def public_url(text: str) -> str:
    """`https://host[/prefix]` without a trailing slash, or ValueError saying what is wrong."""
    parts = urlsplit(text.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{text!r} is not an https:// address (Slack sends requests only there)")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} has a query or fragment; give just https://host")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def with_url(manifest: Manifest, url: str) -> Manifest:
    """HTTP mode at `url`: every example address replaced by it."""
    replaced: Manifest = _replace_strings(manifest, EXAMPLE_URL, public_url(url))
    return replaced


def for_socket_mode(manifest: Manifest) -> Manifest:
    """Socket Mode: Slack sends everything over the app's WebSocket, so the manifest has no
    request URLs; and no OAuth redirect, since installing through OAuth needs HTTP mode."""
    socket = copy.deepcopy(manifest)
    for command in socket["features"].get("slash_commands", []):
        command.pop("url", None)
    settings = socket["settings"]
    settings["socket_mode_enabled"] = True
    for section in ("event_subscriptions", "interactivity"):
        settings.get(section, {}).pop("request_url", None)
    socket.get("oauth_config", {}).pop("redirect_urls", None)
    return socket


def render(manifest: Manifest, mode: str) -> str:
    import yaml

    header = (
        f"# Panelbot's Slack app manifest ({mode}). At api.slack.com/apps choose\n"
        "# Create New App → From a manifest, pick the workspace and paste this.\n"
    )
    body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=10_000)
    return header + body


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: _replace_strings(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, old, new) for item in value]
    return value
