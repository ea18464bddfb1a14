"""`panelbot run` killed with SIGKILL mid-way, twice, and restarted: every due nudge still
reaches its panelist, and the only duplicates are those of the documented crash window (Slack
accepted a post, the process died before recording it), at most one per kill.

The bot runs as a real subprocess on the real clock against the Slack stand-in, with a
short lease (WORK_LEASE_SECONDS=15) so a dead instance's claimed rows come free quickly.
The second kill lands while a post is in flight: Slack answers posts half a second late
then, and the process is killed as soon as the stand-in has stored one."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.domain.schedule import is_quiet
from storage.db import Database
from storage.models import DueWork, Outbox, WorkState
from tests.slack.standin import SlackStandIn
from tests.support.processes import Bot, bot_env, wait_until
from tests.support.rows import leased
from tests.support.seeding import pending, seed_due_nudges

NUDGES = 300
FIRST_KILL_AT = 50  # nudges delivered
SECOND_KILL_AFTER = 50  # more nudges delivered after the first restart
LEASE_SECONDS = 15
SLOW_ANSWER = 0.5  # below SLACK_TIMEOUT_SECONDS: the client waits for it
# How long a run may go without delivering anything before the test calls it stuck: the
# bot's start (imports, migrations check) or, after a kill, the dead instance's leases running
# out, with room for a slow machine. Progress restarts it (wait_until).
STALL_SECONDS = LEASE_SECONDS + 45.0
# One zone per UTC offset from +14 to -12: on a weekday one of them is in the daytime.
ZONES = (
    "Pacific/Kiritimati",
    "Pacific/Tongatapu",
    "Pacific/Auckland",
    "Pacific/Noumea",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Bangkok",
    "Asia/Dhaka",
    "Asia/Karachi",
    "Asia/Dubai",
    "Europe/Moscow",
    "Europe/Athens",
    "Europe/Berlin",
    "UTC",
    "Atlantic/Azores",
    "Atlantic/South_Georgia",
    "America/Sao_Paulo",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Pacific/Pago_Pago",
    "Etc/GMT+12",
)


def daytime_zone(now: datetime, margin: timedelta = timedelta(minutes=15)) -> str | None:
    """A zone where it is a weekday between 08:00 and 20:00 from `now` until `margin`
    later, so nudges are not held for quiet hours; None when it is the weekend everywhere
    (Saturday 08:00 to Sunday 18:00 UTC, roughly)."""
    for tz in ZONES:
        if not any(is_quiet(now + margin * k / 4, tz) for k in range(5)):
            return tz
    return None


def test_killed_instances_lose_no_nudge_and_duplicate_at_most_one_each(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    tz = daytime_zone(now)
    with SlackStandIn() as standin:
        # On a weekend everywhere a due nudge would be held until Monday; the outbox rows it
        # would enqueue are delivered at any hour, and they are what the crash window is about.
        seeded = seed_due_nudges(
            db,
            NUDGES,
            now=now,
            standin=standin,
            tz=tz or "UTC",
            into="due_work" if tz else "outbox",
        )
        assert standin.token is not None, "the stand-in's first workspace is installed"
        bot = Bot(
            env=bot_env(
                standin,
                database_url,
                secret="x",
                PORT="0",
                SCHEDULER_TICK_SECONDS="0.2",
                SLACK_TIMEOUT_SECONDS="1",
                WORK_LEASE_SECONDS=str(LEASE_SECONDS),
                LOG_LEVEL="WARNING",
            ),
            cwd=tmp_path,
        )

        def delivered() -> int:
            return len(standin.posted())

        kills: list[int] = []  # posts stored when each kill happened
        phases: list[float] = []  # seconds each run of the bot took
        began = time.monotonic()
        try:
            # 1. Killed wherever it happens to be.
            bot.start()
            phases.append(
                wait_until(
                    bot,
                    lambda: delivered() >= FIRST_KILL_AT,
                    "the first nudges",
                    STALL_SECONDS,
                    progress=delivered,
                )
            )
            bot.kill()
            kills.append(delivered())

            # 2. Restarted; killed while Slack has a post stored but not yet answered.
            bot.start()
            target = kills[0] + SECOND_KILL_AFTER
            phases.append(
                wait_until(
                    bot,
                    lambda: delivered() >= target,
                    "nudges after the restart",
                    STALL_SECONDS,
                    progress=delivered,
                )
            )
            standin.fail_randomly(
                1.0, methods=["chat.postMessage"], kinds=("slow",), delay=SLOW_ANSWER
            )
            before = delivered()
            phases[-1] += wait_until(
                bot, lambda: delivered() > before, "a slow post", STALL_SECONDS
            )
            bot.kill()
            kills.append(delivered())
            standin.stop_failing()
            assert kills[1] < NUDGES, "killed too late to leave work for the next instance"

            # 3. Restarted for good: it takes over the dead instances' rows once their leases
            # run out, and delivers the rest.
            bot.start()
            finishing = wait_until(
                bot,
                lambda: (
                    len({m["channel"] for m in standin.posted()}) == NUDGES and pending(db) == 0
                ),
                "every nudge delivered",
                STALL_SECONDS,
                progress=lambda: (delivered(), pending(db)),
            )
            phases.append(finishing)
        finally:
            code = bot.stop()
        elapsed = time.monotonic() - began
        assert code == 0, bot.log_tail()

        posts = standin.posted()
        per_user = Counter(m["channel"][1:] for m in posts)
        duplicates = len(posts) - NUDGES
        print(
            f"\n{database_url.split(':')[0]} ({'due work, tz ' + tz if tz else 'outbox'}): "
            f"{elapsed:.1f} s (runs {', '.join(f'{p:.1f}' for p in phases)} s), "
            f"kills after {kills} posts, {duplicates} duplicate(s): "
            f"{sorted(u for u, n in per_user.items() if n > 1)}"
        )
        assert set(per_user) == set(seeded.user_ids), "every panelist got their nudge"
        assert 0 <= duplicates <= len(kills), per_user.most_common(5)
        # A duplicate is a post that was in flight when an instance was killed: its first
        # copy was stored before that kill.
        order = {u: i for i, u in reversed(list(enumerate(m["channel"][1:] for m in posts)))}
        for user, n in per_user.items():
            if n > 1:
                assert n == 2 and any(order[user] < k for k in kills), user

        with db.read() as session:
            outbox = Counter(session.execute(select(Outbox.status)).scalars())
            due = Counter(session.execute(select(DueWork.status)).scalars())
        assert outbox == Counter({WorkState.SENT: NUDGES})
        assert due == Counter({WorkState.DONE: NUDGES})  # handled now or, seeded, before
        assert leased(db) == 0, "no row is left leased"
        assert "Traceback" not in bot.log_tail(10_000)
