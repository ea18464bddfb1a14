"""bench/load.py's tables: answers and throughput beside the bare app's, the workers' CPU
per request of each kind, and each worker's memory and boot time."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bench.common import table

if TYPE_CHECKING:
    from bench.load import Footprint, Run

# Slack waits 3 s for an answer; the target is 10 % of that at 50 requests/s.
P99_TARGET_MS = 300
CPU_RATIO_TARGET = 3.0
RSS_TARGET_MB = 90
READY_TARGET_S = 2.0


def find(runs: list[Run], app: str, workers: int, mode: str) -> Run | None:
    return next((r for r in runs if (r.app, r.workers, r.mode) == (app, workers, mode)), None)


def report(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        if run.app != "panelbot":
            continue
        bare = find(runs, "bare", run.workers, run.mode)
        ratio_rate = f"{run.rate / bare.rate:.2f}" if bare and bare.rate else "–"
        ratio_p99 = f"{run.p(99) / bare.p(99):.1f}" if bare and bare.latencies else "–"
        rows.append(
            [
                run.workers,
                run.mode,
                f"{run.rate:.1f}",
                f"{bare.rate:.1f}" if bare else "–",
                ratio_rate,
                *(f"{run.p(q) * 1000:.0f}" for q in (50, 95, 99)),
                *(f"{bare.p(q) * 1000:.0f}" if bare else "–" for q in (50, 95, 99)),
                ratio_p99,
                f"{run.errors}/{len(run.latencies)}",
                f"{bare.errors}/{len(bare.latencies)}" if bare else "–",
                run.modals_missing,
            ]
        )
    return table(
        [
            "workers",
            "load",
            "Panelbot req/s",
            "bare req/s",
            "ratio",
            "P p50 ms",
            "P p95",
            "P p99",
            "bare p50",
            "bare p95",
            "bare p99",
            "p99 ratio",
            "P errors",
            "bare errors",
            "modals late",
        ],
        rows,
    )


def costs(runs: list[Run]) -> str:
    """The workers' CPU per request (from /proc, so neither the stand-in's nor the load
    generator's), the mix and each kind alone, beside the bare app's."""
    rows = []
    for run in runs:
        bare = find(runs, "bare", run.workers, run.mode)
        if run.app != "panelbot" or run.cpu is None or bare is None or bare.cpu is None:
            continue
        ratio = run.cpu_ms() / bare.cpu_ms() if bare.cpu_ms() else math.nan
        here = run.cpu.here / len(run.latencies) * 1000 if run.latencies else math.nan
        rows.append(
            [
                run.workers,
                "mix" if run.mode == "closed" else run.mode,
                len(run.latencies),
                f"{run.cpu_ms():.2f}",
                f"{bare.cpu_ms():.2f}",
                f"{ratio:.1f}",
                f"{run.rate / bare.rate:.2f}" if bare.rate else "–",
                f"{here:.2f}",
            ]
        )
    return table(
        [
            "workers",
            "requests",
            "n",
            "P CPU ms/req",
            "bare CPU ms/req",
            "CPU ratio",
            "req/s ratio",
            "stand-in+load ms/req",
        ],
        rows,
    )


def footprint_table(footprints: list[Footprint]) -> str:
    """Each worker's RSS, PSS and USS (bench/load_probe.Memory), and the master's."""

    def each(values: list[float]) -> str:
        return " / ".join(f"{mb:.0f}" for mb in values)

    rows = [
        [
            f.app,
            f.workers,
            each([m.rss for m in f.memory]),
            each([m.pss for m in f.memory]),
            each([m.uss for m in f.memory]),
            f"{f.master.rss:.0f} / {f.master.pss:.0f}",
            "–" if math.isnan(f.ready_s) else f"{f.ready_s:.2f}",
        ]
        for f in footprints
    ]
    headers = ["app", "workers", "RSS per worker MB", "PSS", "USS", "master RSS / PSS"]
    return table([*headers, "ready after fork s"], rows)


def verdict(runs: list[Run], footprints: list[Footprint]) -> list[str]:
    lines = []
    for run in runs:
        bare = find(runs, "bare", run.workers, run.mode)
        if run.app != "panelbot" or bare is None:
            continue
        if run.mode == "closed" and bare.rate:
            lines.append(
                f"{run.workers} workers: closed-loop throughput {run.rate / bare.rate:.2f} × bare"
            )
            if run.cpu and bare.cpu_ms():
                ratio = run.cpu_ms() / bare.cpu_ms()
                mark = "met" if ratio <= CPU_RATIO_TARGET else "MISSED"
                lines.append(
                    f"{run.workers} workers: CPU per request {ratio:.1f} × bare "
                    f"(target ≤ {CPU_RATIO_TARGET:g}): {mark}"
                )
        if run.mode == "50/s" and run.workers == 1:
            p99 = run.p(99) * 1000
            mark = "met" if p99 <= P99_TARGET_MS else "MISSED"
            lines.append(
                f"1 worker: p99 at 50 req/s {p99:.0f} ms (target ≤ {P99_TARGET_MS}): {mark}"
            )
    for f in footprints:
        if f.app != "panelbot":
            continue
        rss = max((m.rss for m in f.memory), default=math.nan)
        mark = "met" if rss <= RSS_TARGET_MB else "MISSED"
        lines.append(
            f"{f.workers} workers: RSS {rss:.0f} MB a worker (target ≤ {RSS_TARGET_MB}): {mark}"
        )
        if not math.isnan(f.ready_s):
            mark = "met" if f.ready_s < READY_TARGET_S else "MISSED"
            lines.append(
                f"a worker answers {f.ready_s:.2f} s after its fork "
                f"(target < {READY_TARGET_S:g} s): {mark}"
            )
    return lines
