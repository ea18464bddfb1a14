"""Do a role's interview ratings predict what happened next? Pure: no Slack, no database.

For the overall score and each criterion of a role, the correlation of a round's panel score
with each outcome, with n and a 95 % interval, beside the criterion's inter-rater agreement
(Krippendorff's α, bot.domain.calibration.agreement): reliability and validity side by side.

The statistics (scipy, imported inside the functions that need it, so the request path
never pays for importing it):

- **Performance at 6 and 12 months** (1–4, ordinal): Spearman's ρ. Its 95 % interval is
  Fisher's z = atanh(ρ) ± 1.96·SE, back with tanh, where SE = √((1 + ρ²/2) / (n − 3)) — the
  variance of Bonett & Wright (2000), "Sample size requirements for estimating Pearson,
  Kendall and Spearman correlations", Psychometrika 65(1), 23–28, which keeps the interval's
  coverage close to 95 % where Fieller, Hartley & Pearson's (1957) √(1.06 / (n − 3)) is too
  narrow for larger ρ.
- **Advanced, and still there at 12 months** (yes / no): the point-biserial r (the Pearson
  correlation with a 0/1 outcome), with the usual Fisher interval, SE = 1 / √(n − 3).

Honest about small numbers: under MIN_PAIRS pairs it says how many more it needs instead of a
number; a correlation with no spread on one side (everyone advanced) is undefined and says
so. Performance and retention are known for hires only, whose ratings were high enough to be
hired: a range-restricted sample, in which correlations understate the ratings' validity.
A criterion whose interval lies wholly below zero is flagged: its ratings go against how
people did.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist, fmean

from bot.domain.calibration import Rated, agreement, agreement_by_criterion

MIN_PAIRS = 30
CONFIDENCE = 0.95
Z_95 = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959963984540054

AGAINST = "ratings on this criterion go against how people did: review its anchors"
RANGE_RESTRICTED = (
    "Performance and retention are known only for people who were hired, whose ratings were "
    "high enough to hire them: the narrower range makes these correlations understate how "
    "well the ratings predict."
)
NO_SPREAD = "everyone had the same score or the same outcome: no correlation to compute"


class OutcomeKind(StrEnum):
    ADVANCED = "advanced"
    PERF_6M = "perf_6m"
    PERF_12M = "perf_12m"
    RETAINED_12M = "retained_12m"

    @property
    def label(self) -> str:
        return {
            "advanced": "Advanced",
            "perf_6m": "Performance at 6 months",
            "perf_12m": "Performance at 12 months",
            "retained_12m": "Still there at 12 months",
        }[self.value]

    @property
    def binary(self) -> bool:
        return self in (OutcomeKind.ADVANCED, OutcomeKind.RETAINED_12M)

    @property
    def hires_only(self) -> bool:
        """Known only for candidates who were hired: a range-restricted sample."""
        return self != OutcomeKind.ADVANCED


@dataclass(frozen=True)
class RoundOutcome:
    """What happened after one round, as far as it is known (None: not known, or not yet)."""

    advanced: bool | None = None  # the recorded decision: advance, or not
    perf_6m: int | None = None  # 1–4, the organizer's rating at 6 months after the start
    perf_12m: int | None = None
    retained_12m: bool | None = None  # still with the company 12 months after the start

    def value(self, kind: OutcomeKind) -> float | None:
        found: bool | int | None = getattr(self, kind.value)
        return None if found is None else float(found)


@dataclass(frozen=True)
class Interval:
    r: float
    low: float
    high: float


@dataclass(frozen=True)
class Correlation:
    """One score against one outcome. `r` is None when there are too few pairs (`needed`
    more are) or the correlation is undefined (`undefined` says why)."""

    kind: OutcomeKind
    method: str  # "Spearman" or "point-biserial"
    n: int
    r: float | None = None
    low: float | None = None
    high: float | None = None
    needed: int = 0
    undefined: str | None = None

    @property
    def against(self) -> bool:
        """The whole interval lies below zero: higher ratings went with worse outcomes."""
        return self.high is not None and self.high < 0

    def reading(self) -> str:
        if self.needed:
            return f"too few to say: {self.n} pairs, {self.needed} more needed"
        if self.r is None or self.low is None or self.high is None:
            return self.undefined or NO_SPREAD
        return f"{_signed(self.r)} [{_signed(self.low)}, {_signed(self.high)}], n = {self.n}"


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


@dataclass(frozen=True)
class ValidityRow:
    key: str | None  # None: the overall score
    name: str
    alpha: float | None  # Krippendorff's α (ordinal) of the panels' ratings
    correlations: tuple[Correlation, ...]  # one per OutcomeKind, in its order

    @property
    def against(self) -> bool:
        return any(c.against for c in self.correlations)


@dataclass(frozen=True)
class ValidityTable:
    rows: tuple[ValidityRow, ...]  # the overall score first, then each criterion
    rounds: int  # rounds with a panel score
    with_outcome: dict[OutcomeKind, int]  # rounds whose outcome of each kind is known
    notes: tuple[str, ...]


# -- the statistics --------------------------------------------------------------------------
def fisher_interval(correlation: float, pairs: int, se: float) -> Interval:
    """A correlation r with its interval atanh(r) ± z·se, back-transformed (r of ±1 has a
    point interval: atanh is infinite there); `pairs` is how many pairs it came from."""
    if abs(correlation) >= 1:
        return Interval(correlation, correlation, correlation)
    z = math.atanh(correlation)
    return Interval(correlation, math.tanh(z - Z_95 * se), math.tanh(z + Z_95 * se))


def spearman(scores: Sequence[float], outcomes: Sequence[float]) -> Interval | None:
    """Spearman's ρ (average ranks for ties) with the Bonett–Wright interval; None when
    undefined (fewer than 4 pairs, or no spread on one side)."""
    n = len(scores)
    if n < 4 or _flat(scores) or _flat(outcomes):
        return None
    from scipy import stats  # lazily: a second's import the request path must not pay

    rho = float(stats.spearmanr(scores, outcomes).statistic)
    return fisher_interval(rho, n, math.sqrt((1 + rho * rho / 2) / (n - 3)))


def point_biserial(scores: Sequence[float], outcomes: Sequence[float]) -> Interval | None:
    """The point-biserial r of scores against a 0/1 outcome, with the Fisher interval
    (SE 1/√(n − 3)); None when undefined."""
    n = len(scores)
    if n < 4 or _flat(scores) or _flat(outcomes):
        return None
    from scipy import stats  # lazily, as above

    r = float(stats.pointbiserialr(outcomes, scores).statistic)
    return fisher_interval(r, n, 1 / math.sqrt(n - 3))


def _flat(values: Sequence[float]) -> bool:
    return max(values) == min(values)


def correlate(kind: OutcomeKind, pairs: Sequence[tuple[float, float]]) -> Correlation:
    """One score against one outcome, honest about small numbers."""
    method = "point-biserial" if kind.binary else "Spearman"
    n = len(pairs)
    if n < MIN_PAIRS:
        return Correlation(kind, method, n, needed=MIN_PAIRS - n)
    scores, outcomes = [s for s, _ in pairs], [o for _, o in pairs]
    found = (point_biserial if kind.binary else spearman)(scores, outcomes)
    if found is None:
        return Correlation(kind, method, n, undefined=NO_SPREAD)
    return Correlation(kind, method, n, found.r, found.low, found.high)


# -- a role's table ---------------------------------------------------------------------------
def panel_scores(rated: Iterable[Rated]) -> dict[int, dict[str, float]]:
    """Round id → criterion key → the panel's mean rating. The last feedback of a panelist
    on a round counts (as in calibration)."""
    by_round: dict[int, dict[str, Rated]] = defaultdict(dict)
    for r in rated:
        by_round[r.round_id][r.user_id] = r
    scores: dict[int, dict[str, float]] = {}
    for round_id, panel in by_round.items():
        ratings: dict[str, list[int]] = defaultdict(list)
        for r in panel.values():
            for key, rating in r.ratings.items():
                ratings[key].append(rating)
        scores[round_id] = {key: fmean(values) for key, values in ratings.items()}
    return scores


def validity_table(
    criteria: Sequence[tuple[str, str]],
    rated: Sequence[Rated],
    outcomes: Mapping[int, RoundOutcome],
) -> ValidityTable:
    """The table for one role. `criteria`: (key, name) of the rubric compared, in order;
    `rated`: every panelist's ratings on the role's finished rounds (as calibration reads
    them); `outcomes`: round id → what is known of what happened after it. The overall
    score of a round is the mean of its criteria's panel means (every criterion weighs the
    same, as in the summary); a criterion nobody on the panel rated leaves that round out
    of that criterion's correlations."""
    scores = panel_scores(rated)
    overall = {
        round_id: fmean(values)
        for round_id, by_key in scores.items()
        if (values := [by_key[k] for k, _ in criteria if k in by_key])
    }
    # Each outcome once, as round id → value, for all the rows.
    known = {
        kind: {
            rid: value
            for rid in sorted(overall)
            if (o := outcomes.get(rid)) is not None and (value := o.value(kind)) is not None
        }
        for kind in OutcomeKind
    }
    alphas = agreement_by_criterion(rated)
    rows = [_row(None, "Overall score", overall, known, agreement(rated))]
    for key, name in criteria:
        of_criterion = {rid: by_key[key] for rid, by_key in scores.items() if key in by_key}
        rows.append(_row(key, name, of_criterion, known, alphas.get(key)))
    counts = {kind: len(values) for kind, values in known.items()}
    hires = any(counts[k] for k in OutcomeKind if k.hires_only)
    return ValidityTable(tuple(rows), len(overall), counts, (RANGE_RESTRICTED,) if hires else ())


def _row(
    key: str | None,
    name: str,
    scores: Mapping[int, float],
    known: Mapping[OutcomeKind, Mapping[int, float]],
    alpha: float | None,
) -> ValidityRow:
    correlations = tuple(
        correlate(kind, [(scores[rid], v) for rid, v in known[kind].items() if rid in scores])
        for kind in OutcomeKind
    )
    return ValidityRow(key, name, alpha, correlations)
