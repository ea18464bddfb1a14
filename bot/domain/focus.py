"""Focus areas (Greenhouse's "focus attributes"): each panelist owns some criteria, so the
panel goes deep instead of everyone skimming everything, and every criterion is covered by
at least two panelists (one opinion is not a measurement). Pure: no Slack, no database.

A panelist rates their focus criteria (required) and may rate the others or leave them
"not assessed", which every statistic treats as missing, never as a rating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.rubric import Rubric
from bot.domain.rules import MIN_RATERS_PER_CRITERION

Assignment = dict[str, tuple[str, ...]]  # panelist → criterion keys, in rubric order


def needed(panel_size: int) -> int:
    """How many panelists should cover each criterion: two, or the whole of a smaller panel."""
    return min(MIN_RATERS_PER_CRITERION, panel_size)


def coverage(rubric: Rubric, assignment: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Criterion key → how many panelists have it as a focus."""
    return {c.key: sum(c.key in keys for keys in assignment.values()) for c in rubric.criteria}


def propose_focus(
    rubric: Rubric,
    panelists: Sequence[str],
    existing: Mapping[str, Sequence[str]] | None = None,
) -> Assignment:
    """A focus for every panelist such that each criterion is covered by `needed` of them,
    keeping what `existing` already assigns (to the panelists still on the panel). Each
    gap goes to the least-loaded panelists (ties: panel order), so loads differ by at most
    one when starting from nothing; anyone still without a focus gets the least-covered
    criterion."""
    keys = [c.key for c in rubric.criteria]
    chosen: dict[str, set[str]] = {
        p: {k for k in (existing or {}).get(p, ()) if k in keys} for p in panelists
    }
    order = {p: i for i, p in enumerate(panelists)}
    need = needed(len(panelists))
    for key in keys:
        holders = [p for p in panelists if key in chosen[p]]
        others = sorted(
            (p for p in panelists if key not in chosen[p]),
            key=lambda p: (len(chosen[p]), order[p]),
        )
        for p in others[: max(need - len(holders), 0)]:
            chosen[p].add(key)
    for p in panelists:
        if not chosen[p] and keys:
            counts = {k: sum(k in chosen[q] for q in panelists) for k in keys}
            chosen[p].add(min(keys, key=lambda k: (counts[k], keys.index(k))))
    return {p: tuple(k for k in keys if k in chosen[p]) for p in panelists}


def focus_errors(
    rubric: Rubric, names: Mapping[str, str], assignment: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Block id ("focus:<panelist>") → what is wrong with the organizer's assignment: a
    panelist without a focus, or a criterion fewer panelists cover than it needs (named on
    the first panelist's block, where Slack shows it)."""
    errors: dict[str, str] = {}
    for user_id, keys in assignment.items():
        if not keys:
            errors[f"focus:{user_id}"] = f"Give {names.get(user_id, user_id)} at least one focus."
    need = needed(len(assignment))
    thin = [c.name for c in rubric.criteria if coverage(rubric, assignment)[c.key] < need]
    if thin and assignment:
        first = f"focus:{next(iter(assignment))}"
        errors.setdefault(
            first,
            f"Each criterion needs {need} panelists focusing on it; too few on: {', '.join(thin)}.",
        )
    return errors
