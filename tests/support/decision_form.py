"""The Record decision modal's answers, as Slack sends them in a view submission's state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.slack.state import V


def decision_values(
    outcome: str,
    rationale: str,
    participants: Sequence[str],
    *,
    reason: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The outcome (advance, hold, another_interview…), the rationale, who took part in the
    debrief, and, changing an earlier decision, the reason for the change."""
    values: dict[str, dict[str, Any]] = {
        "outcome": {"value": V.radio(outcome)},
        "rationale": {"value": V.text(rationale)},
        "participants": {"value": V.users(list(participants))},
    }
    if reason is not None:
        values["change_reason"] = {"value": V.text(reason)}
    return values
