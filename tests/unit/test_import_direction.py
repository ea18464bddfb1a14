"""Imports go one way (docs/design.md, "Where things are"): services reach views only through
the Renderer port (bot/services/rendering.py), the domain stays free of Slack and SQL, and
views read only the domain. Every import statement counts, also one inside a function or
under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVICES_NEVER = ("bot.views", "handlers", "bot.runtime", "slack_bolt")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot/services": SERVICES_NEVER,
    "bot/domain": (
        *SERVICES_NEVER,
        "bot.services",
        "bot.slack",
        "storage",
        "sqlalchemy",
        "slack_sdk",
    ),
    "bot/views": ("bot.services", "bot.runtime", "handlers", "storage", "sqlalchemy", "slack_bolt"),
}


def imported(tree: ast.AST) -> set[str]:
    """Every module an import names; `from a import b` names both a and a.b (b may be a
    module: `from bot import views`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in sorted(imported(tree)):
            if any(name == f or name.startswith(f"{f}.") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package: str) -> None:
    assert (ROOT / package).is_dir()
    assert violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.views.common import message\n"
        "def f():\n    import slack_bolt\n    from bot import views\n"
    )
    names = imported(ast.parse(source))
    assert {"bot.views.common", "slack_bolt", "bot.views"} <= names
