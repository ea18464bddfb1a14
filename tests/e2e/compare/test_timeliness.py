"""Timeliness: per interviewer, the median time from the interview's end to their feedback
and the share given after the due time (in calibration); per role, the median time from
the interview to the summary and from the summary to the decision (in the digest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.digest import FinishedRound, build_digest
from bot.domain.stats import summarize
from bot.domain.timeliness import (
    RoundTimes,
    Submission,
    duration_text,
    interviewer_timeliness,
    role_pace,
)
from bot.views.digest import digest_message
from tests.support.decision_form import decision_values
from tests.support.harness import ANA, BEN, HIRING, ORG, Harness
from tests.support.snapshots import worst_round

MON = datetime(2026, 11, 30, 10, tzinfo=UTC)  # a Monday, 10:00 UTC


def test_interviewer_timeliness() -> None:
    due = MON + timedelta(days=1)
    found = interviewer_timeliness(
        [
            Submission("A", MON, due, MON + timedelta(hours=2)),  # 1 h after the end
            Submission("A", MON, due, MON + timedelta(hours=4)),  # 3 h
            Submission("A", MON, due, MON + timedelta(days=2)),  # 47 h, late
            Submission("B", MON, due, MON + timedelta(minutes=30)),  # before the end: 0
        ]
    )
    assert found["A"].submissions == 3
    assert found["A"].median_after_interview == timedelta(hours=3)
    assert found["A"].late_share == 1 / 3
    assert duration_text(found["B"].median_after_interview) == "0 min"


def test_role_pace() -> None:
    rounds = [
        RoundTimes("Eng", MON, MON + timedelta(days=1), MON + timedelta(days=3)),
        RoundTimes("Eng", MON, MON + timedelta(days=2), None),
        RoundTimes("Eng", MON, MON + timedelta(days=3), MON + timedelta(days=4)),
        RoundTimes("Design", MON, MON + timedelta(hours=6), None),
    ]
    design, eng = role_pace(rounds)
    assert (eng.rounds, eng.to_summary, eng.decided) == (3, timedelta(days=2), 2)
    assert eng.to_decision == timedelta(days=1, hours=12)  # median of 2 d and 1 d
    assert design.to_decision is None


def test_durations_read_plainly() -> None:
    assert duration_text(timedelta(minutes=45)) == "45 min"
    assert duration_text(timedelta(hours=5)) == "5 h"
    assert duration_text(timedelta(days=1, hours=12)) == "36 h"
    assert duration_text(timedelta(days=3, hours=12)) == "3.5 d"
    assert duration_text(None) == "—"


def test_the_digest_shows_each_roles_pace() -> None:
    r = worst_round()
    r = type(r)(**{**r.__dict__, "interview_at": MON, "role_name": "Eng & <Ops>"})
    done = FinishedRound(
        r, summarize(r.rubric, [], []), MON + timedelta(days=1), MON + timedelta(days=3)
    )
    m = digest_message(build_digest("C", MON + timedelta(days=5), None, [], [done]))
    pace = next(b["text"]["text"] for b in m.blocks if "Pace by role" in str(b))
    assert pace.splitlines()[1] == (
        "• *Eng &amp; &lt;Ops&gt;* — interview → summary 24 h (1 round) · "
        "summary → decision 2.0 d (1 decided)"
    )


def test_calibration_and_the_digest_through_the_app(harness: Harness) -> None:
    h = harness
    h.clock.set(MON - timedelta(hours=1))
    h.start_round(panelists=[ANA, BEN], interview_at=int(MON.timestamp()))
    h.clock.set(MON + timedelta(hours=2))  # an hour after the interview ended
    h.give_feedback(ANA)
    h.clock.set(MON + timedelta(hours=30))  # due at MON + 24 h: late
    h.give_feedback(BEN)
    summary = h.wait_for(h.thread, "the summary")[0]
    h.clock.set(MON + timedelta(days=2, hours=6))
    before = len(h.standin.responses)
    h.driver.command(ORG, "calibration", channel_id=HIRING)
    told = h.wait_for(lambda: h.standin.responses[before:], "the calibration")[0]
    table = next(b for b in told["blocks"] if b["type"] == "table")
    rows = {row[0]["text"]: [c["text"] for c in row] for row in table["rows"]}
    assert rows["Interviewer"][-2:] == ["Feedback (median)", "Late"]
    assert rows["Ana Tanaka"][-2:] == ["1 h", "0%"]
    assert rows["Ben Miller"][-2:] == ["29 h", "100%"]

    # The decision, a day after the summary; then the digest's pace for the role.
    view = h.click_for_modal(ORG, summary, "record_decision", "panel_decision")
    values = decision_values("hold", "Waiting for the reference call.", [ORG, ANA, BEN])
    assert h.driver.view_submission(ORG, view, values).json()["response_action"] == "update"
    h.driver.command(ORG, "digest now", channel_id=HIRING)
    h.tick()
    digest = h.wait_for(lambda: h.standin.posted(HIRING, text_contains="Hiring digest"), "digest")
    pace = next(b["text"]["text"] for b in digest[-1]["blocks"] if "Pace by role" in str(b))
    assert pace.splitlines()[1] == (
        "• *Staff Engineer* — interview → summary 30 h (1 round) · "
        "summary → decision 24 h (1 decided)"
    )
