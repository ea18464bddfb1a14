"""Validity statistics (issue 14): Spearman and point-biserial correlations with their 95 %
intervals, checked against hand computations; honest small numbers; a role's table."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest

from bot.domain.calibration import Rated, agreement
from bot.domain.validity import (
    AGAINST,
    MIN_PAIRS,
    NO_SPREAD,
    RANGE_RESTRICTED,
    Z_95,
    Correlation,
    OutcomeKind,
    RoundOutcome,
    correlate,
    fisher_interval,
    point_biserial,
    spearman,
    validity_table,
)


def test_spearman_of_a_textbook_example_and_its_interval() -> None:
    # IQ against hours of television a week, the example on Wikipedia's "Spearman's rank
    # correlation coefficient" page: no ties, Σd² = 194, so
    #   ρ = 1 − 6·Σd² / (n(n² − 1)) = 1 − 1164/990 = −29/165 = −0.175758.
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    found = spearman(iq, tv)
    assert found is not None
    assert found.r == pytest.approx(-29 / 165, abs=1e-12)
    # The interval by hand (Fisher's z, Bonett–Wright variance):
    #   z  = atanh(−0.175758) = ½·ln(0.824242 / 1.175758) = ½·ln(0.701031) = −0.177602
    #   SE = √((1 + ρ²/2) / (n − 3)) = √((1 + 0.030891/2) / 7) = √0.145064 = 0.380872
    #   z ± 1.959964·SE = −0.177602 ± 0.746497 → [−0.924099, 0.568895]
    #   tanh → [−0.727830, 0.514547]
    assert found.low == pytest.approx(-0.727830, abs=1e-6)
    assert found.high == pytest.approx(0.514547, abs=1e-6)


def test_spearman_with_ties_uses_average_ranks() -> None:
    # x = 1, 2, 2, 3 ranks 1, 2.5, 2.5, 4; y = 1, 3, 2, 4 ranks 1, 3, 2, 4. The Pearson
    # correlation of the ranks: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5, r = 4.5/√22.5 = √0.9.
    found = spearman([1, 2, 2, 3], [1, 3, 2, 4])
    assert found is not None and found.r == pytest.approx(math.sqrt(0.9), abs=1e-12)


def test_point_biserial_by_hand() -> None:
    # Scores 1–6; the top three had the outcome. r = (M₁ − M₀)/s · √(pq) with s the
    # population SD: (5 − 2)/√(35/12) · √0.25 = 1.5/1.707825 = 0.878310.
    #   z = atanh(0.878310) = ½·ln(1.878310 / 0.121690) = 1.368326, SE = 1/√3 = 0.577350
    #   z ± 1.131586 → [0.236740, 2.499912] → tanh [0.232414, 0.986612]
    found = point_biserial([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1])
    assert found is not None
    assert found.r == pytest.approx(0.878310, abs=1e-6)
    assert (found.low, found.high) == pytest.approx((0.232414, 0.986612), abs=1e-6)


def test_the_interval_is_bonett_wright_not_fieller() -> None:
    # At ρ = 0.8, n = 50: z = atanh(0.8) = 1.098612.
    #   Bonett–Wright SE = √((1 + 0.8²/2) / 47) = 0.167586; ± 1.959964·SE = ± 0.328463
    #     → tanh [0.770149, 1.427075] = [0.647016, 0.891066]
    #   Fieller SE = √(1.06 / 47) = 0.150177; ± 0.294342 → [0.666417, 0.883819] (narrower)
    assert pytest.approx(1.959964, abs=1e-6) == Z_95
    found = fisher_interval(0.8, 50, math.sqrt((1 + 0.8**2 / 2) / 47))
    assert (found.low, found.high) == pytest.approx((0.647016, 0.891066), abs=1e-6)
    # And spearman() uses that variance for the ρ it finds.
    x = list(range(50))
    rho = spearman(x, [v if v % 5 else 49 - v for v in x])
    assert rho is not None
    se = math.sqrt((1 + rho.r**2 / 2) / 47)
    assert rho.low == pytest.approx(math.tanh(math.atanh(rho.r) - Z_95 * se), abs=1e-12)
    assert rho.high == pytest.approx(math.tanh(math.atanh(rho.r) + Z_95 * se), abs=1e-12)


def test_perfect_and_undefined_correlations() -> None:
    assert fisher_interval(1.0, 40, 0.1).low == 1.0  # atanh(1) is infinite: a point
    assert spearman([1, 2, 3, 4], [2, 2, 2, 2]) is None
    assert point_biserial([3, 3, 3, 3], [0, 1, 0, 1]) is None


def test_too_few_pairs_say_how_many_more_are_needed() -> None:
    pairs = [(float(i % 4 + 1), float(i % 2)) for i in range(MIN_PAIRS - 1)]
    few = correlate(OutcomeKind.ADVANCED, pairs)
    assert (few.n, few.r, few.needed) == (29, None, 1)
    assert few.reading() == "too few to say: 29 pairs, 1 more needed"
    enough = correlate(OutcomeKind.ADVANCED, [*pairs, (4.0, 1.0)])
    assert enough.needed == 0 and enough.r is not None
    assert enough.reading().endswith(", n = 30")
    flat = correlate(OutcomeKind.RETAINED_12M, [(float(i % 4), 1.0) for i in range(40)])
    assert flat.r is None and flat.reading() == NO_SPREAD


def test_an_interval_below_zero_is_flagged() -> None:
    pairs = [(float(i % 4 + 1), float(4 - i % 4)) for i in range(40)]
    found = correlate(OutcomeKind.PERF_12M, pairs)
    assert found.method == "Spearman" and found.r == pytest.approx(-1.0)
    assert found.against
    assert not Correlation(OutcomeKind.PERF_6M, "Spearman", 40, -0.2, -0.5, 0.1).against
    assert found.reading() == "−1.00 [−1.00, −1.00], n = 40"


# -- a role's table -----------------------------------------------------------------------------
CRITERIA = (("depth", "Depth"), ("fit", "Culture and team fit"))


def seeded_role(
    rounds: int, hires: int, seed: int = 7
) -> tuple[list[Rated], dict[int, RoundOutcome]]:
    """Three panelists a round. Depth tracks the candidate's (hidden) ability; fit runs
    against it. Advanced: overall above 2.5. Performance and retention follow ability."""
    rng = random.Random(seed)
    rated: list[Rated] = []
    outcomes: dict[int, RoundOutcome] = {}
    for round_id in range(1, rounds + 1):
        ability = rng.random()
        for user in ("U1", "U2", "U3"):
            depth = min(4, max(1, round(1 + 3 * ability + rng.gauss(0, 0.4))))
            fit = min(4, max(1, round(4 - 3 * ability + rng.gauss(0, 0.4))))
            rated.append(Rated(round_id, user, "Role", {"depth": depth, "fit": fit}, 3))
        hired = round_id <= hires
        perf = min(4, max(1, round(1 + 3 * ability + rng.gauss(0, 0.5))))
        outcomes[round_id] = RoundOutcome(
            advanced=ability > 0.5,
            perf_6m=perf if hired else None,
            perf_12m=perf if hired else None,
            retained_12m=(ability > 0.3) if hired else None,
        )
    return rated, outcomes


def test_the_table_has_the_overall_score_then_each_criterion() -> None:
    rated, outcomes = seeded_role(200, 60)
    table = validity_table(CRITERIA, rated, outcomes)
    assert [r.name for r in table.rows] == ["Overall score", "Depth", "Culture and team fit"]
    assert table.rounds == 200
    assert table.with_outcome == {
        OutcomeKind.ADVANCED: 200,
        OutcomeKind.PERF_6M: 60,
        OutcomeKind.PERF_12M: 60,
        OutcomeKind.RETAINED_12M: 60,
    }
    assert table.notes == (RANGE_RESTRICTED,)
    overall, depth, fit = table.rows
    # Reliability beside validity: the agreement of exactly these ratings.
    assert overall.alpha == agreement(rated)
    only_fit = [
        Rated(r.round_id, r.user_id, r.role_name, {"fit": r.ratings["fit"]}, 3) for r in rated
    ]
    assert fit.alpha == agreement(only_fit)
    assert [c.kind for c in depth.correlations] == list(OutcomeKind)
    assert all(c.n in (200, 60) and c.r is not None for c in depth.correlations)
    assert depth.correlations[1].low is not None and depth.correlations[1].low > 0.5
    assert fit.against and not depth.against
    assert AGAINST.startswith("ratings on this criterion go against")


def test_few_hires_say_how_many_more_and_no_hires_need_no_range_note() -> None:
    rated, outcomes = seeded_role(40, 12)
    depth = validity_table(CRITERIA, rated, outcomes).rows[1]
    advanced, perf_6m, _, _ = depth.correlations
    assert advanced.r is not None and advanced.method == "point-biserial"
    assert perf_6m.reading() == "too few to say: 12 pairs, 18 more needed"
    only_decisions = {rid: RoundOutcome(advanced=o.advanced) for rid, o in outcomes.items()}
    assert validity_table(CRITERIA, rated, only_decisions).notes == ()


def test_a_criterion_nobody_rated_leaves_the_round_out() -> None:
    rated, outcomes = seeded_role(40, 0)
    rated = [
        Rated(r.round_id, r.user_id, r.role_name, {"depth": r.ratings["depth"]}, 3)
        if r.round_id <= 15
        else r
        for r in rated
    ]
    table = validity_table(CRITERIA, rated, outcomes)
    assert table.rows[1].correlations[0].n == 40
    assert table.rows[2].correlations[0].n == 25
    assert table.rows[2].correlations[0].needed == 5


def test_scipy_is_not_imported_with_the_module() -> None:
    code = "import sys, bot.domain.validity; print('scipy' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.strip() == "False", found.stderr
