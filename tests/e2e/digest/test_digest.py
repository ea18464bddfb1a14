"""Hiring-channel digests through the real HTTP app: /panel digest set/show/off/now, the
scheduled post on tick, its content, escaping and the requester's time zone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from bot.domain.work_kinds import DueKind, digest_key
from storage.models import DigestSchedule, DueWork, Outbox, WorkState
from tests.slack.driver import VERIFICATION_TOKEN
from tests.support.harness import ANA, BEN, CY, DEE, HIRING, NO_BOT_CHANNEL, ORG, PANEL, Harness

# A Tuesday; every test moves the bot's clock from here.
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DATE_TOKEN = re.compile(r"<!date\^(\d+)\^")
FORTNIGHTLY = (
    '"fortnightly" isn\'t a schedule I know. Use daily or weekly, like '
    "/panel digest daily 09:00 or /panel digest weekly mon 09:00, or off or now."
)


# -- helpers ---------------------------------------------------------------------------------
def epoch(when: datetime) -> int:
    return int(when.timestamp())


def say(h: Harness, text: str, *, user: str = ORG, channel: str = HIRING) -> str:
    """Run `/panel <text>`; the reply is the ack's text or, after the ack, a response_url post."""
    acked, posted = h.run_command(text, user=user, channel=channel)
    if acked:
        return str(acked["text"])
    assert len(posted) == 1, posted
    assert posted[0].get("response_type") == "ephemeral", posted[0]
    return str(posted[0]["text"])


def digests(h: Harness) -> list[dict[str, Any]]:
    return [
        m
        for m in h.standin.messages_in(HIRING)
        if str(m.get("text", "")).startswith("Hiring digest")
    ]


def sections(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b.get("type") == "section"]


def section(message: dict[str, Any], title: str) -> str:
    found = [s for s in sections(message) if s.startswith(title)]
    assert len(found) == 1, (title, sections(message))
    return found[0]


def line_with(text: str, needle: str) -> str:
    found = [line for line in text.splitlines() if needle in line]
    assert len(found) == 1, (needle, text)
    return found[0]


def digest_rows(h: Harness) -> list[DueWork]:
    with h.db.read() as session:
        return list(
            session.scalars(
                select(DueWork).where(DueWork.kind == DueKind.DIGEST).order_by(DueWork.id)
            )
        )


def pending_digest_rows(h: Harness) -> list[DueWork]:
    return [r for r in digest_rows(h) if r.status == WorkState.PENDING]


def schedules(h: Harness) -> list[DigestSchedule]:
    with h.db.read() as session:
        return list(session.scalars(select(DigestSchedule)))


def org_without_time_zone(h: Harness) -> None:
    """The stand-in gives everyone Europe/Berlin unless told otherwise; a profile without a
    time zone makes the bot fall back to UTC."""
    h.standin.add_user(ORG, "olga", real_name="Olga Organizer", tz="", tz_offset=0)


def open_round(h: Harness, candidate: str, role: str, panel: tuple[str, ...], due: datetime) -> int:
    return h.start_round(
        panelists=panel,
        candidate=candidate,
        role=role,
        interview_at=epoch(due - timedelta(days=1)),
        due_at=epoch(due),
    )


def wait_complete(h: Harness) -> None:
    """The newest announcement's round got its summary (all feedback in)."""
    h.wait_for(lambda: h.thread(), "the summary")
    h.wait_for(lambda: "Complete" in str((h.announcement() or {})["blocks"]), "complete")


# -- 1. parsing errors -----------------------------------------------------------------------
def test_parse_errors_are_told_and_change_nothing(harness: Harness) -> None:
    h = harness
    h.clock.set(T0)
    reply = h.driver.command(ORG, "digest daily 09:75", channel_id=HIRING)
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert reply.json()["text"] == (
        '"09:75" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.'
    )
    reply = h.driver.command(ORG, "digest fortnightly", channel_id=HIRING)
    assert reply.status == 200
    assert reply.json()["text"] == FORTNIGHTLY

    assert schedules(h) == []
    assert digest_rows(h) == []
    h.clock.set(T0 + timedelta(days=1))
    h.tick()
    assert h.standin.messages_in(HIRING) == []
    assert h.standin.responses == []
    assert h.standin.warnings == []


# -- 2. set, show, replace, off; refused where the bot is not a member -----------------------
def test_set_show_replace_off(harness: Harness) -> None:
    h = harness
    org_without_time_zone(h)
    h.clock.set(T0)
    open_round(h, "Ada Lovelace", "Staff Engineer", PANEL, T0 + timedelta(days=10))

    assert say(h, "digest") == "<#C0HIRING> has no digest. Try `/panel digest daily 09:00`."

    told = say(h, "digest daily 09:00")
    assert told.startswith("<#C0HIRING> will get a digest daily at 09:00 (UTC); the next one ")
    next_nine = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert DATE_TOKEN.findall(told) == [str(epoch(next_nine))]
    assert "|2026-12-02 09:00 UTC>" in told
    assert [(r.due_at, r.key) for r in pending_digest_rows(h)] == [
        (next_nine, digest_key(HIRING, "2026-12-02"))
    ]
    assert say(h, "digest") == "<#C0HIRING> gets a digest daily at 09:00 (UTC)."

    told = say(h, "digest weekly mon 09:00 Europe/Berlin")
    # Monday 7 December, 09:00 in Berlin (CET, UTC+1) is 08:00 UTC.
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert "weekly on Monday at 09:00 (Europe/Berlin)" in told
    assert DATE_TOKEN.findall(told) == [str(epoch(monday))]
    assert [(r.due_at, r.key) for r in pending_digest_rows(h)] == [
        (monday, digest_key(HIRING, "2026-W50"))
    ]
    assert len(schedules(h)) == 1  # replaced, not added
    assert say(h, "digest") == (
        "<#C0HIRING> gets a digest weekly on Monday at 09:00 (Europe/Berlin)."
    )
    h.clock.set(next_nine + timedelta(minutes=1))
    h.tick()
    assert digests(h) == []  # the daily slot went with the daily schedule

    assert say(h, "digest off") == "Digests in <#C0HIRING> are off."
    assert schedules(h) == []
    assert pending_digest_rows(h) == []
    assert say(h, "digest") == "<#C0HIRING> has no digest. Try `/panel digest daily 09:00`."
    assert say(h, "digest off") == "This channel has no digest; nothing to turn off."
    h.clock.set(monday + timedelta(minutes=1))
    h.tick()
    assert digests(h) == []

    invite = "Invite @Panelbot to #random first (type /invite @Panelbot there)."
    assert say(h, "digest daily 09:00", channel=NO_BOT_CHANNEL) == invite
    assert say(h, "digest now", channel=NO_BOT_CHANNEL) == invite
    assert say(h, "digest daily 09:00", channel="DORG") == (
        "Run /panel digest in the hiring channel the digest is for."
    )
    assert schedules(h) == []
    assert h.standin.messages_in(NO_BOT_CHANNEL) == []
    assert h.standin.warnings == []


# -- 3. the scheduled digest and what it says ------------------------------------------------
def test_scheduled_digest_content(harness: Harness) -> None:
    h = harness
    org_without_time_zone(h)
    h.clock.set(T0)
    # Finished: everyone gave feedback, with a split recommendation worth a flag.
    open_round(h, "Ada Lovelace", "Staff Engineer", PANEL, T0 + timedelta(days=1))
    h.give_feedback(ANA, ratings=(4, 4, 4, 4, 4), recommendation=4)
    h.give_feedback(BEN, ratings=(4, 4, 4, 4, 4), recommendation=4)
    h.give_feedback(CY, ratings=(3, 3, 3, 3, 3), recommendation=2)
    wait_complete(h)
    # Open and overdue by the next morning; Ben and Cy still owe feedback.
    open_round(h, "Grace Hopper", "Data Scientist", PANEL, T0 + timedelta(hours=2))
    assert h.give_feedback(ANA).status == 200
    h.wait_for(
        lambda: "1 of 3 submitted" in str((h.announcement() or {})["blocks"]), "1 of 3 submitted"
    )
    # Open, due after the first digest.
    open_round(h, "Alan Turing", "Staff Engineer", (CY, DEE), T0 + timedelta(days=2, hours=4))

    told = say(h, "digest daily 09:00")
    first_at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert DATE_TOKEN.findall(told) == [str(epoch(first_at))]
    h.clock.set(first_at - timedelta(minutes=1))
    h.tick()
    assert digests(h) == []

    h.clock.set(first_at)
    h.tick()
    posted = digests(h)
    assert len(posted) == 1
    digest = posted[0]
    assert "thread_ts" not in digest
    assert digest["text"] == "Hiring digest: 2 in flight (1 late), 1 finished"
    blocks = json.dumps(digest["blocks"])
    assert "First digest" in blocks

    in_flight = section(digest, "*In flight*")
    grace = line_with(in_flight, "Grace Hopper")
    assert "Data Scientist" in grace and "1 of 3 submitted" in grace
    assert ":warning: late: <@UBEN>, <@UCY>" in grace
    assert "<@UANA>" not in blocks
    alan = line_with(in_flight, "Alan Turing")
    assert "0 of 2 submitted" in alan
    assert "<@" not in alan  # not due yet: named, not pinged
    assert "waiting for Cy Weber, Dee Jones" in alan
    assert in_flight.index("Grace Hopper") < in_flight.index("Alan Turing")  # soonest due first
    assert "Ada Lovelace" not in in_flight

    finished = section(digest, "*Finished*")
    ada = line_with(finished, "Ada Lovelace")
    assert "Staff Engineer" in ada and "overall 3.7" in ada  # (4+4+3)/3 on every criterion
    assert "split recommendation" in ada

    ranking = section(digest, "*Ranking by role*")
    assert ranking.splitlines()[1:] == ["*Staff Engineer*", "1. Ada Lovelace — 3.7"]

    h.tick()
    h.clock.advance(timedelta(hours=1))
    h.tick()
    assert len(digests(h)) == 1

    second_at = first_at + timedelta(days=1)
    h.clock.set(second_at)
    h.tick()
    posted = digests(h)
    assert len(posted) == 2
    again = posted[1]
    assert "thread_ts" not in again
    assert again["text"] == "Hiring digest: 2 in flight (1 late), 0 finished"
    assert "Since <!date^" in json.dumps(again["blocks"])
    in_flight = section(again, "*In flight*")
    assert "Grace Hopper" in in_flight and "Alan Turing" in in_flight
    assert section(again, "*Finished since last digest*") == (
        "*Finished since last digest*\nNothing finished."
    )
    assert "1. Ada Lovelace — 3.7" in section(again, "*Ranking by role*")

    # Alan Turing's feedback was due at 14:00 yesterday: now his panel is pinged too.
    h.clock.set(second_at + timedelta(days=1))
    h.tick()
    third = digests(h)[-1]
    assert third["text"] == "Hiring digest: 2 in flight (2 late), 0 finished"
    alan = line_with(section(third, "*In flight*"), "Alan Turing")
    assert ":warning: late: <@UCY>, <@UDEE>" in alan
    assert h.standin.warnings == []


# -- 4. nothing to report --------------------------------------------------------------------
def test_empty_digest_is_not_posted(harness: Harness) -> None:
    h = harness
    org_without_time_zone(h)
    h.clock.set(T0)
    say(h, "digest daily 09:00")
    nine = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    h.clock.set(nine)
    h.tick()
    assert h.standin.messages_in(HIRING) == []
    # The empty period is done, and the chain goes on to the next day.
    assert [(r.due_at, r.key) for r in pending_digest_rows(h)] == [
        (nine + timedelta(days=1), digest_key(HIRING, "2026-12-03"))
    ]

    assert say(h, "digest now") == "Nothing to report: no rounds in flight or finished since."
    h.tick()
    assert h.standin.messages_in(HIRING) == []
    with h.db.read() as session:
        assert session.scalars(select(Outbox).where(Outbox.channel_id == HIRING)).all() == []
    assert h.standin.warnings == []


# -- 5. /panel digest now, and a retry of it -------------------------------------------------
def command_fields(h: Harness, user: str, text: str) -> dict[str, str]:
    """A slash command's form, as SlackDriver.command builds it, kept to be sent again."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": h.driver.team_id,
        "team_domain": h.driver.team_domain,
        "channel_id": HIRING,
        "channel_name": "hiring",
        "user_id": user,
        "user_name": "olga",
        "command": "/panel",
        "text": text,
        "api_app_id": h.driver.api_app_id,
        "is_enterprise_install": "false",
        "response_url": h.standin.new_response_url(channel=HIRING),
        "trigger_id": h.standin.new_trigger_id(user),
    }


def test_digest_now_posts_once_even_when_retried(harness: Harness) -> None:
    h = harness
    h.clock.set(T0)
    open_round(h, "Ada Lovelace", "Staff Engineer", PANEL, T0 + timedelta(days=1))

    body = urlencode(command_fields(h, ORG, "digest now"))
    form = "application/x-www-form-urlencoded"
    before = len(h.standin.responses)
    first = h.driver.post(body, form)
    assert first.status == 200, first.body
    h.wait_for(lambda: h.standin.responses[before:], "the reply")
    assert h.standin.responses[before]["text"] == "Posting the digest now."
    posted = h.wait_for(lambda: digests(h), "the digest, right after the ack")
    assert len(posted) == 1
    assert "thread_ts" not in posted[0]
    assert "Ada Lovelace" in section(posted[0], "*In flight*")
    assert "0 of 3 submitted" in section(posted[0], "*In flight*")

    retry = h.driver.post(
        body, form, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status == 200, retry.body
    # The retry is answered as the first was; whatever it enqueued would go out on a tick.
    h.wait_for(lambda: len(h.standin.responses) == 2, "the reply to the retry")
    assert h.standin.responses[1]["text"] == "Posting the digest now."
    h.tick()
    assert len(digests(h)) == 1
    with h.db.read() as session:
        rows = session.scalars(select(Outbox).where(Outbox.key.like("digest:%"))).all()
        assert [(r.status, r.channel_id) for r in rows] == [(WorkState.SENT, HIRING)]
    assert h.standin.warnings == []


# -- 6. what people typed is escaped ---------------------------------------------------------
def test_names_are_escaped(harness: Harness) -> None:
    h = harness
    h.clock.set(T0)
    candidate, role = "<!channel>", "<https://evil|click>"
    open_round(h, candidate, role, (ANA,), T0 + timedelta(days=1))
    h.give_feedback(ANA, ratings=(3, 3, 3, 3, 3), recommendation=3)
    wait_complete(h)
    open_round(h, candidate, role, (BEN,), T0 + timedelta(days=1))

    assert say(h, "digest now") == "Posting the digest now."
    digest = h.wait_for(lambda: digests(h), "the digest")[0]
    raw = json.dumps(digest)
    for typed in (candidate, role, "<https://evil"):
        assert typed not in raw
    assert "&lt;!channel&gt;" in section(digest, "*In flight*")
    assert "&lt;https://evil|click&gt;" in section(digest, "*In flight*")
    assert "&lt;!channel&gt;" in section(digest, "*Finished*")
    ranking = section(digest, "*Ranking by role*")
    assert "*&lt;https://evil|click&gt;*" in ranking
    assert "1. &lt;!channel&gt; — 3.0" in ranking
    assert h.standin.warnings == []


# -- 7. the requester's time zone ------------------------------------------------------------
def test_schedule_follows_the_requesters_time_zone(harness: Harness) -> None:
    h = harness
    h.clock.set(T0)  # 19:00 in Tokyo
    open_round(h, "Ada Lovelace", "Staff Engineer", PANEL, T0 + timedelta(days=3))

    told = say(h, "digest daily 09:00", user=ANA)
    tokyo_nine = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 on 2 December in Tokyo
    assert "daily at 09:00 (Asia/Tokyo)" in told
    assert DATE_TOKEN.findall(told) == [str(epoch(tokyo_nine))]
    assert [(r.due_at, r.key) for r in pending_digest_rows(h)] == [
        (tokyo_nine, digest_key(HIRING, "2026-12-02"))
    ]

    h.clock.set(tokyo_nine - timedelta(minutes=1))
    h.tick()
    assert digests(h) == []
    h.clock.set(tokyo_nine + timedelta(minutes=1))
    h.tick()
    assert len(digests(h)) == 1
    h.clock.set(datetime(2026, 12, 2, 9, 1, tzinfo=UTC))  # 09:00 UTC is 18:00 in Tokyo
    h.tick()
    assert len(digests(h)) == 1
    assert h.standin.warnings == []


# -- 8. changing the time after today's digest went out --------------------------------------
def test_new_time_after_todays_digest_keeps_digests_coming(harness: Harness) -> None:
    h = harness
    org_without_time_zone(h)
    h.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    open_round(h, "Ada Lovelace", "Staff Engineer", PANEL, T0 + timedelta(days=10))
    say(h, "digest daily 09:00")
    h.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    h.tick()
    assert len(digests(h)) == 1

    h.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    told = say(h, "digest daily 17:00")
    promised = datetime.fromtimestamp(int(DATE_TOKEN.findall(told)[0]), UTC)
    # Whatever time the confirmation names, a digest is scheduled for then ...
    assert [r.due_at for r in pending_digest_rows(h)] == [promised]
    # ... and by 17:00 the next day at the latest, the channel has its next digest.
    h.clock.set(datetime(2026, 12, 2, 17, 1, tzinfo=UTC))
    h.tick()
    assert len(digests(h)) == 2
