""".env.example names every setting, its commented values are the real defaults, and a
copy with the placeholders filled in is a valid Socket Mode configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.runtime.settings import Settings
from tests.support.paths import ROOT

EXAMPLE = ROOT / ".env.example"
ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def assignments() -> dict[str, tuple[bool, str]]:
    """NAME → (commented out, value) for every `NAME=value` or `# NAME=value` line."""
    found: dict[str, tuple[bool, str]] = {}
    for line in EXAMPLE.read_text().splitlines():
        if match := ASSIGNMENT.match(line):
            found[match[2]] = (match[1] is not None, match[3])
    return found


SETTINGS = sorted(name.upper() for name in Settings.model_fields)


def test_every_setting_is_in_env_example_and_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SETTINGS if name not in assignments()]
    assert not missing, f".env.example lacks {missing}: add each with a comment"
    undocumented = [name for name in SETTINGS if f"`{name}`" not in readme]
    assert not undocumented, f"README.md's Settings table lacks {undocumented}"


def with_default(name: str) -> bool:
    """Settings that have a default to show. The others show an example to fill in: those
    without a default, and those whose default is empty because the operator must set them
    (SLACK_SIGNING_SECRET: `panelbot doctor` says it is not set)."""
    field = Settings.model_fields[name.lower()]
    return not field.is_required() and field.default not in (None, "")


@pytest.mark.parametrize("name", [name for name in SETTINGS if with_default(name)])
def test_commented_values_are_the_defaults(name: str) -> None:
    """Uncommenting a line changes nothing: the value shown is the default."""
    commented, value = assignments()[name]
    field = Settings.model_fields[name.lower()]
    assert commented, f"{name} has a default: its line in .env.example stays commented"
    parsed = Settings.model_validate(
        {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", name.lower(): value}
    )
    default = field.get_default(call_default_factory=True)
    assert getattr(parsed, name.lower()) == default


def test_the_filled_in_example_is_valid_socket_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / ".env"
    env.write_text(EXAMPLE.read_text())
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.slack_app_token and settings.slack_bot_token
    assert not settings.oauth
    assert settings.database_url == "sqlite:///panelbot.db"
