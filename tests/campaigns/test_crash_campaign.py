"""Issue 6, item 5 — crashes. The real bot (`python -m bot run`, a subprocess on the real
clock) plays rounds against the Slack stand-in and is SIGKILLed at a random point of each
one, then restarted: during a panelist's submission, while the briefs or the summary are
being posted, or while a digest is: in `make test` once at each of those points, under
`make reliability` 20 kills cycling through them.

Every trial: start a round (ANA, BEN, CY), ANA and BEN submit, CY never does, the organizer
closes the round (a partial summary). While the bot is down, its scheduled work comes due:
the round's heads-up reminders and the channel's next digest are moved to now, and the dead
instance's leases are expired (what waiting WORK_LEASE_SECONDS would do). After the restart:

- every submission the bot acknowledged (HTTP 200 with the "saved" modal) is stored — one
  whose answer the kill swallowed is submitted again, as the person would;
- every message is delivered; the summary (like any post) exactly once, or twice when Slack
  had stored it but the process died before recording it (the documented crash window,
  docs/delivery.md), counted as a duplicate;
- the reminders and the digest that came due while the bot was down are sent.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.services import Services
from bot.views import ids
from storage.db import Database
from storage.models import DueWork, Outbox, Round, WorkState
from tests.slack.driver import Reply, SlackDriver
from tests.slack.records import Json
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.delivery_audit import (
    Acked,
    Stopwatch,
    audit,
    record_into,
    saved_title,
)
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    SIGNING_SECRET,
    Harness,
    button,
    has_button,
    seed_workspace,
)
from tests.support.players import FEEDBACK_SAVED, PANEL_STARTED, epoch, latest_with
from tests.support.processes import Bot, bot_env, free_port, wait_until
from tests.support.reliability import Outcome, trials

pytestmark = pytest.mark.reliability
PANEL = (ANA, BEN, CY)
SUBMISSION, SUMMARY, DIGEST, BRIEFS = "a submission", "the summary", "a digest", "the briefs"
KILL_POINTS = (SUBMISSION, SUMMARY, DIGEST, BRIEFS)
DIGEST_TITLE = "Hiring digest:"
BRIEF_TITLE = "You're on the interview panel for"
SLOW_POST = 0.5  # below SLACK_TIMEOUT_SECONDS: Slack stores the post, answers half a second late
# How long the bot may go without calling Slack before a wait calls it stuck (each call
# starts the budget again: wait_until), so a slow machine takes longer but does not fail.
SETTLE_TIMEOUT = 30.0
LOST_REQUEST = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


@dataclass
class Crashes:
    """The bot process, the people, and what each kill left behind."""

    h: Harness
    bot: Bot
    rng: random.Random
    acked: Acked = field(default_factory=Acked)
    kills: int = 0
    in_flight: set[tuple[str, str]] = field(default_factory=set)
    reminders_due: int = 0

    # -- the process -------------------------------------------------------------------------
    def start(self) -> None:
        self.bot.start()
        wait_until(
            self.bot,
            self._ready,
            "the bot to answer /readyz",
            SETTLE_TIMEOUT,
            progress=self.slack_calls,
        )

    def slack_calls(self) -> int:
        """Progress for wait_until: every Slack call the bot makes."""
        return len(self.h.standin.calls)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.h.url}/readyz", timeout=1) as response:
                status: int = response.status
                return status == 200
        except (OSError, http.client.HTTPException):
            return False

    def kill_after(self, ready: Callable[[], bool], what: str, round_id: int | None) -> None:
        """Once `ready`, wait a random moment (the answer to a slow post takes SLOW_POST),
        SIGKILL the bot, let its scheduled work come due, and start it again."""
        wait_until(self.bot, ready, what, SETTLE_TIMEOUT, progress=self.slack_calls)
        time.sleep(self.rng.uniform(0, SLOW_POST * 1.2))
        self.crash(round_id)

    def crash(self, round_id: int | None) -> None:
        self.bot.kill()
        self.kills += 1
        self.h.standin.stop_failing()
        self.in_flight |= self._unrecorded()
        now = datetime.now(UTC)
        with self.h.db.transaction() as session:
            for model in (Outbox, DueWork):  # the dead instance's leases run out
                session.execute(
                    update(model)
                    .where(model.lease_owner.is_not(None))
                    .values(lease_until=now - timedelta(seconds=1))
                )
            if round_id is not None and self._open(session, round_id):
                heads_up = session.execute(
                    update(DueWork)
                    .where(
                        DueWork.status == WorkState.PENDING,
                        DueWork.kind == "pre_interview",
                        DueWork.round_id == round_id,
                    )
                    .values(due_at=now)
                )
                assert isinstance(heads_up, CursorResult)  # an UPDATE's result counts its rows
                self.reminders_due += heads_up.rowcount
        self.start()
        # What came due while it was down is done before anyone acts again.
        wait_until(
            self.bot,
            self.settled,
            "the work left by the kill",
            SETTLE_TIMEOUT,
            progress=self.slack_calls,
        )

    def _unrecorded(self) -> set[tuple[str, str]]:
        """Posts Slack stored that the killed process had not recorded as sent."""
        with self.h.db.read() as session:
            sent = set(session.execute(select(Outbox.result_channel, Outbox.result_ts)).all())
        return {(m["channel"], m["ts"]) for m in self.h.standin.posted()} - sent

    @staticmethod
    def _open(session: Session, round_id: int) -> bool:
        return session.scalar(select(Round.status).where(Round.id == round_id)) == "open"

    def slow_posts(self) -> None:
        self.h.standin.fail_randomly(
            1.0, methods=["chat.postMessage"], kinds=("slow",), delay=SLOW_POST
        )

    # -- the people ----------------------------------------------------------------------------
    def start_round(self, k: int, *, kill: bool) -> int:
        h = self.h
        candidate = f"Candidate {k}"
        briefs = len(h.standin.posted(text_contains=BRIEF_TITLE))
        view = h.open_new_panel()
        values = h.new_panel_values(
            candidate=candidate,
            panelists=list(PANEL),
            interview_at=epoch(datetime.now(UTC) + timedelta(hours=2)),
        )
        if kill:
            self.slow_posts()
        reply = h.driver.view_submission(h.team.org, view, values)
        assert saved_title(reply) == PANEL_STARTED, reply.body
        with h.db.read() as session:
            round_id = session.scalar(select(Round.id).where(Round.candidate_name == candidate))
        assert round_id is not None
        if kill:
            self.kill_after(
                lambda: len(h.standin.posted(text_contains=BRIEF_TITLE)) >= briefs + 2,
                "two briefs posted",
                round_id,
            )
        wait_until(
            self.bot,
            lambda: self._briefed(round_id),
            "every brief",
            SETTLE_TIMEOUT,
            progress=self.slack_calls,
        )
        return round_id

    def _briefed(self, round_id: int) -> bool:
        def has_brief(user: str) -> bool:
            return any(
                has_button(m, ids.GIVE_FEEDBACK)
                and button(m, ids.GIVE_FEEDBACK)["value"] == str(round_id)
                for m in self.h.standin.messages_in(f"D{user}")
            )

        return all(has_brief(user) for user in PANEL)

    def give_feedback(self, user: str, round_id: int, *, kill: bool) -> None:
        """Until the bot acknowledges it; with `kill`, the first try is killed mid-way."""
        h = self.h
        marker = f"evidence of {user} on round {round_id}"
        while True:
            view = self._open_feedback(user, round_id)
            sending, answer = self._submit(user, view, h.feedback_values(view, evidence=marker))
            if kill:
                time.sleep(self.rng.uniform(0, 0.15))
                self.crash(round_id)
                kill = False
            sending.join(timeout=15)
            reply = answer.get("reply")
            if reply is not None and saved_title(reply) == FEEDBACK_SAVED:
                self.acked.feedback[(round_id, user)] = marker
                return

    def _open_feedback(self, user: str, round_id: int) -> Json:
        h = self.h
        before = h.open_modal_id(user)
        message = latest_with(h.standin, user, ids.GIVE_FEEDBACK, round_id)
        assert h.click(user, message, ids.GIVE_FEEDBACK).status == 200
        wait_until(
            self.bot,
            lambda: h.fresh_modal(user, ids.FEEDBACK, before) is not None,
            "the feedback modal",
            SETTLE_TIMEOUT,
        )
        return h.standin.open_view_for(user) or {}

    def _submit(
        self, user: str, view: Json, values: dict[str, Json]
    ) -> tuple[threading.Thread, dict[str, Reply]]:
        """Submit in the background; the answer, if the kill leaves one, lands in the dict."""
        answer: dict[str, Reply] = {}

        def send() -> None:
            with contextlib.suppress(*LOST_REQUEST):
                answer["reply"] = self.h.driver.view_submission(user, view, values)

        sending = threading.Thread(target=send)
        sending.start()
        return sending, answer

    def digest(self, round_id: int) -> None:
        """`/panel digest now` while posts are slow; killed mid-way."""
        h = self.h
        before = len(h.standin.posted(text_contains=DIGEST_TITLE))
        self.slow_posts()
        reply = h.driver.command(h.team.org, "digest now", channel_id=h.team.hiring)
        assert reply.status == 200, reply.body
        self.kill_after(
            lambda: len(h.standin.posted(text_contains=DIGEST_TITLE)) > before,
            "the digest posted",
            round_id,
        )

    def close(self, round_id: int, *, kill: bool) -> None:
        h = self.h
        announcement = next(
            m
            for m in reversed(h.top_level())
            if has_button(m, ids.CLOSE_ROUND)
            and button(m, ids.CLOSE_ROUND)["value"] == str(round_id)
        )
        if kill:
            self.slow_posts()
        reply = h.click(h.team.org, announcement, ids.CLOSE_ROUND)
        assert reply.status == 200, reply.body
        if kill:
            self.kill_after(lambda: bool(self._summaries(round_id)), "the summary posted", None)
        wait_until(
            self.bot,
            lambda: bool(self._summaries(round_id)),
            "the summary",
            SETTLE_TIMEOUT,
            progress=self.slack_calls,
        )

    def _summaries(self, round_id: int) -> list[Json]:
        with self.h.db.read() as session:
            name = session.scalar(select(Round.candidate_name).where(Round.id == round_id))
        return self.h.standin.posted(text_contains=f"Panel summary for {name}:")

    # -- after the trial -------------------------------------------------------------------------
    def summaries(self, round_id: int) -> list[Json]:
        return self._summaries(round_id)

    def heads_up(self, round_id: int) -> dict[str, str]:
        """user → what became of their heads-up reminder ("sent", or why it was skipped)."""
        with self.h.db.read() as session:
            rows = session.execute(
                select(Outbox.user_id, Outbox.status, Outbox.last_error).where(
                    Outbox.round_id == round_id, Outbox.kind == "pre_interview"
                )
            ).all()
        return {str(user): str(error or status) for user, status, error in rows}

    def digests(self) -> int:
        return len(self.h.standin.posted(text_contains=DIGEST_TITLE))

    def settled(self) -> bool:
        """Nothing left to send, nothing due left undone, no lease held."""
        now = datetime.now(UTC)
        with self.h.db.read() as session:
            pending = session.scalar(
                select(Outbox.id).where(Outbox.status == WorkState.PENDING).limit(1)
            )
            due = session.scalar(
                select(DueWork.id)
                .where(DueWork.status == WorkState.PENDING, DueWork.due_at <= now)
                .limit(1)
            )
            leased = session.scalar(
                select(DueWork.id).where(DueWork.lease_owner.is_not(None)).limit(1)
            )
        return pending is None and due is None and leased is None


# -- the campaign ------------------------------------------------------------------------------
@pytest.fixture
def crashes(database_url: str, db: Database, tmp_path: Path) -> Iterator[Crashes]:
    with SlackStandIn() as standin:
        seed_workspace(standin)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        bot = Bot(
            env=bot_env(
                standin,
                database_url,
                PORT=str(port),
                SCHEDULER_TICK_SECONDS="0.2",
                SLACK_TIMEOUT_SECONDS="1",
                WORK_LEASE_SECONDS="14",
                LOG_LEVEL="WARNING",
            ),
            cwd=tmp_path,
        )
        driver = SlackDriver(url, SIGNING_SECRET, standin)
        # The people's side of the harness; the bot's services live in the subprocess.
        h = Harness(standin, driver, db, url, services=cast(Services, None), clock=Clock())
        seed = random.randrange(1 << 30)
        crashes = Crashes(h, bot, random.Random(seed))
        crashes.start()
        try:
            yield crashes
        finally:
            code = bot.stop()
        assert code == 0, bot.log_tail()
        assert "Traceback" not in bot.log_tail(100_000), bot.log_tail()


def test_killed_anywhere_in_a_round_loses_nothing(crashes: Crashes, database_url: str) -> None:
    c, h = crashes, crashes.h
    outcome = Outcome("SIGKILL mid-round, restarted", database_url.split(":")[0].split("+")[0])
    stopwatch = Stopwatch.on(h, outcome)
    errors: list[str] = []
    seen_duplicates = 0
    for k in range(trials(len(KILL_POINTS), 20)):
        point = KILL_POINTS[k % len(KILL_POINTS)]
        reminders, digests = c.reminders_due, c.digests()
        round_id = c.start_round(k, kill=point == BRIEFS)
        c.give_feedback(ANA, round_id, kill=False)
        c.give_feedback(BEN, round_id, kill=point == SUBMISSION)
        if point == DIGEST:
            c.digest(round_id)
        c.close(round_id, kill=point == SUMMARY)
        wait_until(c.bot, c.settled, "everything delivered", SETTLE_TIMEOUT, progress=c.slack_calls)
        found = audit(h.db, h.standin, in_flight_at_kills=c.in_flight)
        new_duplicates = found.duplicates - seen_duplicates
        seen_duplicates = found.duplicates
        problems = [f"killed during {point}: {x}" for x in found.problems]
        summaries = len(c.summaries(round_id))
        if summaries != 1 and not (summaries == 2 and new_duplicates):
            problems.append(f"killed during {point}: {summaries} summaries")
        heads_up = c.heads_up(round_id)
        # Those who had given feedback by then are spared it; CY never does.
        expected = {user: "sent" for user in PANEL} | {
            user: "feedback already given" for user in (ANA, BEN) if heads_up.get(user) != "sent"
        }
        if c.reminders_due > reminders and heads_up != expected:
            problems.append(f"killed during {point}: heads-up reminders after restart: {heads_up}")
        if point == DIGEST and c.digests() == digests:
            problems.append(f"killed during {point}: the digest was never posted")
        trial = type(found)(problems, duplicates=new_duplicates)
        record_into(outcome, trial, c.acked.lost(h.db))
        errors += problems
    errors += stopwatch.problems()
    outcome.notes.append(f"{c.kills} kills, {seen_duplicates} duplicates in the crash window")
    stopwatch.record(errors)
    assert c.kills == trials(len(KILL_POINTS), 20)
    assert not errors, "\n".join(errors[:20])
