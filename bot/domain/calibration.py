"""How lenient each interviewer is, and how much a role's panels agree. Pure: no Slack, no database.

Leniency compares an interviewer with the rest of the panel on the same candidate and the same
criterion, so it needs rounds with at least one other panelist; it is applied only once an
interviewer has MIN_ROUNDS such rounds (fewer would make a noisy correction worse than none).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

MIN_ROUNDS = 5
SCALE_MIN = 1
SCALE_MAX = 4
# A mean recommendation at or above this is on the yes side (3 Yes, 4 Strong yes).
YES_FROM = 2.5


@dataclass(frozen=True)
class Rated:
    """One panelist's feedback on one finished round, for calibration."""

    round_id: int
    user_id: str
    role_name: str
    ratings: dict[str, int]  # criterion key → 1..4
    recommendation: int


@dataclass(frozen=True)
class Interviewer:
    user_id: str
    rounds: int  # finished rounds they rated with at least one other panelist
    # Mean of (their rating − mean of the OTHER panelists' ratings) over every (round,
    # criterion) they and at least one other rated; + means more lenient than their peers.
    leniency: float | None
    # Share of those rounds where their recommendation is on the other side (yes ≥ 3,
    # no ≤ 2) from the others' mean recommendation (≥ 2.5 counts as yes).
    disagreement_rate: float | None

    @property
    def calibrated(self) -> bool:
        return self.rounds >= MIN_ROUNDS and self.leniency is not None


def _by_round(rated: Iterable[Rated]) -> dict[int, dict[str, Rated]]:
    """round id → user id → their feedback (the last one given wins)."""
    rounds: dict[int, dict[str, Rated]] = defaultdict(dict)
    for r in rated:
        rounds[r.round_id][r.user_id] = r
    return rounds


def calibrate(rated: Iterable[Rated]) -> dict[str, Interviewer]:
    """Every interviewer seen, with their leniency and how often they vote against the panel.

    The reference for a panelist is the mean of the OTHER panelists (leave-one-out), not the
    whole panel's mean: their own rating would pull the panel mean toward them, shrinking
    every deviation by a factor (n − 1) / n and hiding most of it on small panels (on a panel
    of two, half of it). Each (round, criterion) they share with at least one other panelist
    weighs the same. A round where they were the only panelist to submit tells nothing about
    them and is not counted. Interviewers with no such round are returned with rounds=0 and
    None for both measures.
    """
    deviations: dict[str, list[float]] = defaultdict(list)
    rounds: dict[str, int] = defaultdict(int)
    against: dict[str, int] = defaultdict(int)
    seen: list[str] = []
    for panel in _by_round(rated).values():
        # The others' mean is (panel total − mine) / (panel count − 1): linear in the panel.
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for r in panel.values():
            for key, rating in r.ratings.items():
                totals[key] += rating
                counts[key] += 1
        recommendations = sum(r.recommendation for r in panel.values())
        for user_id, mine in panel.items():
            if user_id not in rounds:
                seen.append(user_id)
                rounds[user_id] = 0
            if len(panel) < 2:
                continue
            rounds[user_id] += 1
            for key, rating in mine.ratings.items():
                if counts[key] > 1:
                    theirs = (totals[key] - rating) / (counts[key] - 1)
                    deviations[user_id].append(rating - theirs)
            others_yes = (recommendations - mine.recommendation) / (len(panel) - 1) >= YES_FROM
            if (mine.recommendation >= 3) != others_yes:
                against[user_id] += 1
    return {
        user_id: Interviewer(
            user_id=user_id,
            rounds=rounds[user_id],
            leniency=fmean(deviations[user_id]) if deviations[user_id] else None,
            disagreement_rate=against[user_id] / rounds[user_id] if rounds[user_id] else None,
        )
        for user_id in seen
    }


def adjusted(rating: int, interviewer: Interviewer | None) -> float:
    """The rating minus the interviewer's leniency, kept on the 1–4 scale, once calibrated;
    otherwise the rating as given."""
    if interviewer is None or not interviewer.calibrated or interviewer.leniency is None:
        return float(rating)
    return min(float(SCALE_MAX), max(float(SCALE_MIN), rating - interviewer.leniency))


Unit = tuple[int, str]  # (round id, criterion key)


def agreement(rated: Iterable[Rated]) -> float | None:
    """Krippendorff's alpha (ordinal, scale 1–4) of the panels' criterion ratings.

    Units are (round, criterion) pairs and raters are panelists; a panelist who did not rate
    a unit leaves a gap. None, never an exception, when alpha is undefined: no unit rated by
    two panelists, every rating the same value, or anything else krippendorff rejects.
    """
    return _alpha(_units(rated))


def agreement_by_criterion(rated: Iterable[Rated]) -> dict[str, float | None]:
    """Criterion key → the alpha of that criterion's ratings alone."""
    by_key: dict[str, dict[Unit, dict[str, int]]] = defaultdict(dict)
    for unit, by_rater in _units(rated).items():
        by_key[unit[1]][unit] = by_rater
    return {key: _alpha(units) for key, units in by_key.items()}


def _units(rated: Iterable[Rated]) -> dict[Unit, dict[str, int]]:
    units: dict[Unit, dict[str, int]] = defaultdict(dict)
    for round_id, panel in _by_round(rated).items():
        for user_id, r in panel.items():
            for key, rating in r.ratings.items():
                units[(round_id, key)][user_id] = rating
    return units


def _alpha(units: dict[Unit, dict[str, int]]) -> float | None:
    scale = range(SCALE_MIN, SCALE_MAX + 1)
    if any(rating not in scale for by_rater in units.values() for rating in by_rater.values()):
        return None  # krippendorff rejects values off the domain
    values = list(scale)
    return agreement_of_counts(
        {unit: tuple(list(by.values()).count(v) for v in values) for unit, by in units.items()}
    )


def agreement_of_counts(counts: Mapping[Unit, Sequence[int]]) -> float | None:
    """Krippendorff's alpha (ordinal) from how many raters gave each value of the scale
    (SCALE_MIN first) to each unit: all alpha depends on, so a comparison can count the
    ratings in the database instead of reading them. The caller returns None itself when a
    rating is off the scale. Units are taken in sorted order, as the ratings would be."""
    if not any(sum(by_value) >= 2 for by_value in counts.values()):
        return None
    # Imported here, where a statistic is made: numpy and krippendorff are tens of MB and
    # most of a second to load, and a worker answering Slack never needs them otherwise.
    import krippendorff
    import numpy as np

    # The same integer table krippendorff makes from a raters × units matrix of ratings.
    table = np.array([counts[unit] for unit in sorted(counts)], dtype=np.int_)
    try:
        with np.errstate(all="ignore"):
            value = float(
                krippendorff.alpha(
                    value_counts=table,
                    level_of_measurement="ordinal",
                    value_domain=list(range(SCALE_MIN, SCALE_MAX + 1)),
                )
            )
    except (ValueError, ArithmeticError):
        return None
    return value if math.isfinite(value) else None
