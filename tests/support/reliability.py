"""The hardening campaign's bookkeeping (docs/reliability.md, `make reliability`).

Each adversarial test reports what it tried through `record`: the scenario, how many trials,
how many failed, data lost, duplicates and the worst answer time. In `make test` the tests run
their quick trial counts and nothing is written; `make reliability` sets
PANELBOT_RELIABILITY=full (the full trial counts) and PANELBOT_RELIABILITY_OUT (a JSON-lines
file), then bench/reliability.py turns the lines into the table.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

FULL = os.environ.get("PANELBOT_RELIABILITY") == "full"
_write_lock = threading.Lock()


def trials(quick: int, full: int) -> int:
    """How many trials to run: `quick` in `make test`, `full` in `make reliability`."""
    return full if FULL else quick


@dataclass
class Outcome:
    scenario: str  # one line a reader understands, e.g. "last 2 panelists submit at once"
    database: str  # "sqlite", "postgresql" or "-"
    trials: int = 0
    failures: int = 0  # trials where an invariant did not hold
    lost: int = 0  # acknowledged data missing afterwards: must be zero
    duplicates: int = 0  # Slack messages sent more than once
    worst_answer_s: float = 0.0  # the slowest HTTP answer the bot gave (Slack allows 3 s)
    notes: list[str] = field(default_factory=list)

    def answered(self, seconds: float) -> None:
        self.worst_answer_s = max(self.worst_answer_s, seconds)

    def judge(
        self, found: list[str], problems: list[str], label: str, elapsed: Iterable[float] = ()
    ) -> bool:
        """Count one trial: its answers' times, and a failure (added to `problems` under
        `label`) when it `found` anything wrong. True when the trial went well."""
        self.trials += 1
        for seconds in elapsed:
            self.answered(seconds)
        if found:
            self.failures += 1
            problems.append(f"{label}: {found}")
        return not found


def record(outcome: Outcome) -> None:
    """Append the outcome to PANELBOT_RELIABILITY_OUT, if set (else nothing)."""
    path = os.environ.get("PANELBOT_RELIABILITY_OUT")
    if not path:
        return
    with _write_lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(outcome)) + "\n")
