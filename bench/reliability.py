"""`make reliability`: run the hardening campaign at full strength and write its table.

Runs every test marked `reliability` with PANELBOT_RELIABILITY=full (the full trial counts of
tests/support/reliability.py) and PANELBOT_RELIABILITY_OUT pointing at a JSON-lines file that each
scenario appends its Outcome to; then adds the outcomes up per scenario and database and puts
the table into docs/reliability.md between its markers (and prints it).

    .venv/bin/python -m bench.reliability              # the whole campaign, full counts
    .venv/bin/python -m bench.reliability -k races     # a part of it (pytest's -k)
    .venv/bin/python -m bench.reliability --quick      # make test's trial counts
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import table

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- reliability-table:start -->", "<!-- reliability-table:end -->"


@dataclass
class Row:
    scenario: str
    database: str
    trials: int = 0
    failures: int = 0
    lost: int = 0
    duplicates: int = 0
    worst_answer_s: float = 0.0


def collect(lines: list[str]) -> list[Row]:
    rows: dict[tuple[str, str], Row] = {}
    for line in lines:
        if not line.strip():
            continue
        found = json.loads(line)
        key = (found["scenario"], found["database"])
        row = rows.setdefault(key, Row(*key))
        row.trials += found["trials"]
        row.failures += found["failures"]
        row.lost += found["lost"]
        row.duplicates += found["duplicates"]
        row.worst_answer_s = max(row.worst_answer_s, found["worst_answer_s"])
    return list(rows.values())


def render(rows: list[Row]) -> str:
    return table(
        ["scenario", "db", "trials", "failures", "data lost", "duplicates", "worst answer"],
        [
            [
                r.scenario,
                r.database,
                r.trials,
                r.failures,
                r.lost,
                r.duplicates,
                f"{r.worst_answer_s * 1000:.0f} ms" if r.worst_answer_s else "–",
            ]
            for r in rows
        ],
    )


def write_doc(text: str, header: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Reliability\n\n{START}\n{END}\n"
    before, _, rest = doc.partition(START)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{START}\n{header}\n\n```\n{text}\n```\n{END}{after}", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="make test's trial counts")
    parser.add_argument("-k", dest="keyword", help="only scenarios matching (pytest -k)")
    parser.add_argument("--no-write", action="store_true", help="print, don't touch the doc")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="panelbot_reliability_") as folder:
        out = Path(folder) / "outcomes.jsonl"
        env = {
            **os.environ,
            "PANELBOT_RELIABILITY_OUT": str(out),
            "PANELBOT_REQUIRE_POSTGRES": "1",
        }
        if not args.quick:
            env["PANELBOT_RELIABILITY"] = "full"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-m",
            "reliability",
            "-p",
            "no:cacheprovider",
        ]
        if args.keyword:
            command += ["-k", args.keyword]
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)
        minutes = (time.monotonic() - started) / 60
        lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    rows = collect(lines)
    text = render(rows)
    print(text)
    verdict = "all passed" if result.returncode == 0 else f"pytest exit {result.returncode}"
    header = (
        f"{'Quick' if args.quick else 'Full'} run, {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, {minutes:.1f} min, {verdict}."
    )
    if not args.no_write and not args.keyword:
        write_doc(text, header)
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    lost = sum(r.lost for r in rows)
    return result.returncode or (1 if lost else 0)


if __name__ == "__main__":
    raise SystemExit(main())
