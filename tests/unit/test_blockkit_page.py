"""docs/blockkit.md is what the view builders render today, covers every builder, and every
sample on it is a message or view Slack accepts."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from urllib.parse import unquote

import pytest

import bot.views
from bench import blockkit_links
from bench.blockkit_links import BUILDER, PAGE, REGENERATE, SECTIONS, Sample
from tests.slack.blockkit import MAX_MESSAGE_BLOCKS, block_errors, view_errors

SAMPLES = [sample for _, samples in SECTIONS for sample in samples]
# Shared building blocks and modal-state readers, not things the bot sends.
NOT_SENT = {"common", "state"}


def test_page_is_current() -> None:
    assert PAGE.read_text() == blockkit_links.page(), (
        f"docs/blockkit.md is out of date: run `{REGENERATE}` and commit the page"
    )


def test_page_is_the_same_whatever_the_hash_seed() -> None:
    """Sets and dicts must not decide the order of anything on the page."""
    for seed in ("0", "4242"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.blockkit_links", "--check"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr


def test_every_builder_of_a_message_or_view_has_a_sample() -> None:
    shown = {sample.builder for sample in SAMPLES}
    builders = set()
    for module_info in pkgutil.iter_modules(bot.views.__path__):
        if module_info.name in NOT_SENT:
            continue
        module = importlib.import_module(f"bot.views.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            returns = function.__annotations__.get("return")
            if function.__module__ == module.__name__ and returns in ("Message", "dict[str, Any]"):
                builders.add(f"{module_info.name}.{name}")
    assert builders, "no builders found: the scan is broken"
    missing = sorted(builders - shown)
    assert not missing, f"add a sample to bench/blockkit_links.py for {missing}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.title for sample in SAMPLES])
def test_sample_is_what_slack_accepts(sample: Sample) -> None:
    payload = sample.payload()
    if "type" in payload:  # a modal or the Home tab
        errors = view_errors(payload)
    else:
        errors = block_errors(payload["blocks"], limit=MAX_MESSAGE_BLOCKS)
    assert not errors
    assert payload["blocks"]
    link = sample.link()
    assert link.startswith(BUILDER)
    assert json.loads(unquote(link.removeprefix(BUILDER))) == payload
