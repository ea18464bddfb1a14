"""Rubrics at their limits, for the views' worst cases."""

from __future__ import annotations

from bot.domain.rubric import ANCHOR_MAX, Criterion, Rubric
from bot.domain.rubric_rules import MAX_CRITERIA, NAME_MAX, PROBE_MAX
from tests.support.texts import EVIL


def fitted(text: str, limit: int) -> str:
    """`text` repeated to exactly `limit` characters, ending in no space (saved text is
    trimmed)."""
    return (text * (limit // len(text) + 1))[: limit - 1] + "."


def biggest_rubric() -> Rubric:
    """8 criteria, every field at its limit, with text that must be escaped."""
    return Rubric(
        key="role-big",
        name="Big rubric",
        version=3,
        criteria=tuple(
            Criterion(
                key=f"k{i}",
                name=fitted(f"{i} {EVIL} ", NAME_MAX),
                probe=fitted(f"{EVIL} probe {i}\n", PROBE_MAX),
                anchors=(
                    fitted(f"one {i} {EVIL}", ANCHOR_MAX),
                    fitted(f"two {i} {EVIL}", ANCHOR_MAX),
                    fitted(f"three {i} {EVIL}", ANCHOR_MAX),
                    fitted(f"four {i} {EVIL}", ANCHOR_MAX),
                ),
            )
            for i in range(MAX_CRITERIA)
        ),
    )
