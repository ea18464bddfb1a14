"""The bot's own CPU per request of each kind, without HTTP, gunicorn or Bolt: the services a
request runs, called in this thread, timed with the thread's CPU clock (`time.thread_time`),
so the stand-in's threads and PostgreSQL's processes are not counted, and the machine's other
load moves the figures far less than bench/load.py's.

    .venv/bin/python -m bench.request_cpu                # 400 of each, PostgreSQL
    PYTHONPATH=/path/to/other/checkout .venv/bin/python -m bench.request_cpu   # compare trees

Per kind, in turn on seeded open rounds of 4 panelists (announcement and briefs in the
stand-in): `/panel status` (`overview.for_user`), a Give feedback click (`feedback.start` and
the modal's Block Kit), a submission (`feedback.submit` with the modal's values) and what
its handler does right after the ack (`dispatcher.deliver_round`: the announcement's and
the brief's updates, and the summary for every fourth). Prints median and mean ms."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bench.common import postgres_database, table
from bench.load import PANEL_SIZE, announce_and_brief, feedback_values
from bot.services import Services
from bot.views.feedback_modal import feedback_modal, read_feedback
from storage.db import Database
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.round_rows import TEAM
from tests.support.seeding import seed_due_nudges
from tests.support.standin_services import standin_services

T = TypeVar("T")


def clock_ms(work: Callable[[], T]) -> tuple[T, float]:
    began = time.thread_time()
    result = work()
    return result, (time.thread_time() - began) * 1000


def one_panelist(services: Services, round_id: int, user: str) -> dict[str, float]:
    """Status, click, submission and delivery of one panelist: CPU ms of each."""
    _, status = clock_ms(lambda: services.overview.for_user(TEAM, user))

    def click() -> dict[str, Any]:
        snap, mine = services.feedback.start(TEAM, user, round_id)
        return feedback_modal(snap, mine, user)

    view, clicked = clock_ms(click)
    values = feedback_values(view)
    _, submitted = clock_ms(
        lambda: services.feedback.submit(
            TEAM, user, round_id, read_feedback(values), view_id=f"V{user}"
        )
    )
    _, delivered = clock_ms(lambda: services.dispatcher.deliver_round(round_id))
    return {"status": status, "click": clicked, "submit": submitted, "deliver": delivered}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="of each kind")
    args = parser.parse_args(argv)
    with SlackStandIn() as standin, postgres_database() as url:
        db = Database.from_url(url)
        seeded = seed_due_nudges(
            db,
            args.requests,
            now=datetime.now(UTC),
            standin=standin,
            per_round=PANEL_SIZE,
            into=None,
        )
        announce_and_brief(db, standin, seeded)
        # The clock runs from now: the seeded rounds are due around the real time.
        services = standin_services(db, standin, Clock(datetime.now(UTC)))
        kinds: dict[str, list[float]] = {"status": [], "click": [], "submit": [], "deliver": []}
        for round_id, user in seeded.panelists:
            for kind, ms in one_panelist(services, round_id, user).items():
                kinds[kind].append(ms)
        db.dispose()
    rows = [
        [kind, len(ms), f"{statistics.median(ms):.2f}", f"{statistics.fmean(ms):.2f}"]
        for kind, ms in kinds.items()
    ]
    print(table(["kind", "n", "median ms", "mean ms"], rows))


if __name__ == "__main__":
    main()
