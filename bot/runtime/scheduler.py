"""The in-process tick. APScheduler (3.11, memory job store) only decides *when* this
instance looks for work; *who* does each piece of work is decided by the database (leases on
due-work and outbox rows), so any number of instances can tick at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.services import Services

log = logging.getLogger(__name__)
# APScheduler logs every run at INFO; a tick every 30 s would drown the log.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


class Ticker:
    def __init__(self, services: Services, seconds: float) -> None:
        self.services = services
        # A tick stops taking new work after this long, so the next one starts on time.
        self.budget = max(seconds * 0.8, 1.0)
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            # One tick at a time; ticks missed while one ran are merged into one.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_job(
            self.tick, "interval", seconds=seconds, id="tick", next_run_time=datetime.now(UTC)
        )

    def tick(self) -> None:
        try:
            self.services.tick(budget=self.budget)
        except Exception:
            log.exception("scheduler tick failed; the next tick tries again")

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        """Let the running tick finish the row in hand and hand back the rest."""
        self.services.stop()
        self.scheduler.shutdown(wait=True)
