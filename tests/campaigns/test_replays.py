"""Retries and double clicks (issue 6, item 2): every interaction the bot has — each
`@app.command` verb, `@app.shortcut`, `@app.action`, `@app.view` and `@app.event` in
handlers/ — is sent once and then replayed byte for byte three more times (plainly, and
with Slack's X-Slack-Retry-Num / X-Slack-Retry-Reason headers); view submissions are also
sent twice at the same instant, and buttons that change something are clicked twice at once
(two distinct clicks, as a double click is). Afterwards the database holds what one request
made (every table counted), no Slack message was sent twice, and nobody was told that
something went wrong.

Slack never retries slash commands or interactions (only events), but a proxy, a client
or a network can resend a request, and people double-click; the bot must not care.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.codec import RoleChoice, encode
from bot.domain.panel import Status
from storage.models import (
    Decision,
    DueWork,
    Feedback,
    FeedbackRevision,
    Panelist,
    RoleRubric,
    Round,
)
from tests.slack.state import V
from tests.support import decision_form
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import ANA, BEN, CY, DEE, HIRING, ORG, Harness, modal_named
from tests.support.reliability import Outcome, record, trials
from tests.support.replay_campaign import (
    DOUBLE_CLICKED,
    Campaign,
    answer_kind,
    expect_equal,
)
from tests.support.replay_tools import (
    announcement_of,
    brief_of,
    drain,
    modal,
    opened,
    slack_seen,
    summaries_of,
    summarized_round,
    summary_under,
)
from tests.support.rows import count, database_name, status_of
from tests.support.slack_requests import (
    Raw,
    action,
    command,
    ephemeral_select_payload,
    event,
    home_opened,
    interaction,
    send,
    send_together,
    shortcut,
    submission,
    view_action,
)


def round_named(h: Harness, candidate: str) -> int:
    with h.db.read() as session:
        ids = session.scalars(select(Round.id).where(Round.candidate_name == candidate)).all()
    assert len(ids) == 1, (candidate, ids)
    return ids[0]


def new_panel_modal(h: Harness) -> dict[str, Any]:
    """A fresh New panel modal from /panel new in the hiring channel (not one still open)."""
    h.standin.close_views(ORG)
    return h.open_new_panel()


# -- 1. a round, from the command to the close -----------------------------------------------
@pytest.mark.reliability
def test_every_round_interaction_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "a round, /panel new to close")
    first = h.start_round(panelists=[ANA, BEN, CY])

    c.replay("/panel new (opens the New panel modal)", command(h, ORG, "new Grace Hopper"))
    c.replay("Start a panel shortcut", shortcut(h, ORG))
    c.replay("app_home_opened event", home_opened(h, ORG))
    home = h.wait_for(lambda: h.standin.home_views.get(ORG), "the Home tab")
    c.replay("Home tab: Start a panel button", view_action(h, ORG, home, "open_new_panel"))
    c.replay("/panel status", command(h, ORG, "status"))
    c.replay("/panel help", command(h, ORG, "help"))

    view = new_panel_modal(h)
    values = h.new_panel_values(candidate="Grace Hopper", panelists=[ANA, BEN])
    c.replay(
        "New panel submission",
        submission(h, ORG, view, values),
        expect_equal(
            "Grace Hopper rounds",
            lambda: count(h.db, Round, Round.candidate_name == "Grace Hopper"),
            1,
        ),
    )
    view = new_panel_modal(h)
    values = h.new_panel_values(candidate="Alan Turing", panelists=[ANA, DEE])
    c.twice_in_parallel(
        "New panel",
        submission(h, ORG, view, values),
        expect=expect_equal(
            "Alan Turing rounds",
            lambda: count(h.db, Round, Round.candidate_name == "Alan Turing"),
            1,
        ),
        posts=3,  # the announcement and two briefs
    )

    # Feedback: the button, a retried submission, a submission sent twice at once.
    c.replay(
        "Give feedback button (opens the modal)",
        action(h, ANA, brief_of(h, ANA, first), "give_feedback"),
    )
    view = modal(h, ANA, "panel_feedback")
    c.replay(
        "Feedback submission",
        submission(h, ANA, view, h.feedback_values(view)),
        expect_equal("Ana's revisions", lambda: count(h.db, FeedbackRevision), 1),
    )
    view = opened(h, BEN, brief_of(h, BEN, first), "give_feedback", "panel_feedback")
    c.twice_in_parallel(
        "Feedback",
        submission(h, BEN, view, h.feedback_values(view)),
        expect=expect_equal("revisions", lambda: count(h.db, FeedbackRevision), 2),
    )

    # The organizer changes the panel: add DEE (retried), then remove her (twice at once).
    announcement = announcement_of(h, first)
    c.replay(
        "Add / remove panelist button (opens the modal)",
        action(h, ORG, announcement, "edit_panelists"),
    )
    view = modal(h, ORG, "panel_panelists")
    c.replay(
        "Add / remove panelist submission",
        submission(h, ORG, view, {"panelists": {"value": V.users([ANA, BEN, CY, DEE])}}),
        expect_equal("DEE's briefs", lambda: len(h.standin.posted(f"D{DEE}")), 2),
    )
    view = opened(h, ORG, announcement_of(h, first), "edit_panelists", "panel_panelists")
    c.twice_in_parallel(
        "Add / remove panelist",
        submission(h, ORG, view, {"panelists": {"value": V.users([ANA, BEN, CY])}}),
        expect=expect_equal(
            "active panelists",
            lambda: count(
                h.db, Panelist, Panelist.round_id == first, Panelist.removed_at.is_(None)
            ),
            3,
        ),
    )

    # The last panelist's submission, twice at once: one summary.
    view = opened(h, CY, brief_of(h, CY, first), "give_feedback", "panel_feedback")
    c.twice_in_parallel(
        "last feedback of the panel",
        submission(h, CY, view, h.feedback_values(view)),
        expect=expect_equal("summaries", lambda: len(summaries_of(h, first)), 1),
        posts=1,
    )
    summary = h.standin.messages_in(HIRING)[-1]
    assert summary.get("thread_ts") == announcement["ts"], summary
    c.replay("See all notes button (opens the notes modal)", action(h, ORG, summary, "see_notes"))
    c.double_click(
        "Compare with other candidates (summary button)",
        lambda: action(h, ORG, summary, "compare_role"),
        expect=expect_equal("comparisons", lambda: comparisons(h), 1),
        posts=1,
        uploads=1,
    )
    c.replay(
        "Compare with other candidates button",
        action(h, ORG, summary, "compare_role"),
        expect_equal("comparisons", lambda: comparisons(h), 1),
    )
    notes = modal(h, ORG, "panel_notes")
    c.replay("Notes modal: next panelist button", view_action(h, ORG, notes, "notes_page_next"))
    middle = h.wait_for(
        lambda: (
            v
            if (v := modal_named(h.standin.open_view_for(ORG), "panel_notes"))
            and "Panelist 2 of 3" in str(v["blocks"])
            else None
        ),
        "the notes modal's middle page",
    )
    c.replay(
        "Notes modal: previous panelist button", view_action(h, ORG, middle, "notes_page_prev")
    )

    # Closing and cancelling; a second click is told the round has moved on.
    c.replay(
        "Close round button",
        action(h, ORG, announcement_of(h, first), "close_round"),
        expect_equal("status", lambda: status_of(h.db, first), Status.CLOSED),
    )
    grace = round_named(h, "Grace Hopper")
    c.replay(
        "Cancel round button",
        action(h, ORG, announcement_of(h, grace), "cancel_round"),
        expect_equal("status", lambda: status_of(h.db, grace), Status.CANCELLED),
    )
    alan = round_named(h, "Alan Turing")
    c.double_click(
        "Close round (open round: partial summary)",
        lambda: action(h, ORG, announcement_of(h, alan), "close_round"),
        expect=expect_equal("summaries", lambda: len(summaries_of(h, alan)), 1),
        posts=1,
    )
    ada = h.start_round(panelists=[BEN, CY], candidate="Ada Byron")
    c.double_click(
        "Cancel round",
        lambda: action(h, ORG, announcement_of(h, ada), "cancel_round"),
        expect=expect_equal("status", lambda: status_of(h.db, ada), Status.CANCELLED),
    )
    problems = c.finish()
    assert problems == [], "\n".join(problems)


# -- 2. the reminders' buttons ---------------------------------------------------------------
WED = datetime(2026, 12, 2, tzinfo=UTC)
INTERVIEW = WED.replace(hour=15)
REMINDER = "Reminder: your feedback on Ada Lovelace is due"
OVERDUE = "Feedback on Ada Lovelace is overdue"


def latest_titled(h: Harness, user: str, title: str) -> dict[str, Any]:
    found = [m for m in h.standin.messages_in(f"D{user}") if m.get("text") == title]
    assert found, f"no {title!r} for {user}"
    return found[-1]


def sent_titled(h: Harness, user: str, title: str) -> int:
    return sum(
        1
        for call in list(h.standin.calls)
        if call.method == "chat.postMessage"
        and call.ok
        and call.args.get("channel") == f"D{user}"
        and call.args.get("text") == title
    )


@pytest.mark.reliability
def test_reminder_buttons_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "reminder buttons")
    h.clock.set(WED.replace(hour=10))
    round_id = h.start_round(panelists=[BEN, CY, DEE], interview_at=int(INTERVIEW.timestamp()))
    h.clock.set(INTERVIEW + timedelta(hours=2, seconds=30))  # the first nudge (17:00 UTC)
    drain(h)
    ben, cy, dee = (latest_titled(h, u, REMINDER) for u in (BEN, CY, DEE))

    c.replay(
        "Snooze 2 h button",
        action(h, BEN, ben, "nudge_snooze"),
        expect_equal("snoozes", lambda: count(h.db, DueWork, DueWork.key.like("snooze:%")), 1),
    )
    c.double_click(
        "Snooze 2 h",
        lambda: action(h, DEE, dee, "nudge_snooze"),
        expect=expect_equal(
            "snoozes", lambda: count(h.db, DueWork, DueWork.key.like("snooze:%")), 2
        ),
    )
    c.replay(
        "I didn't attend button",
        action(h, CY, cy, "nudge_not_attended"),
        expect_equal(
            "organizer told",
            lambda: sent_titled(h, ORG, "A panelist left the panel for Ada Lovelace"),
            1,
        ),
    )
    # Past the due time: the organizer's escalation, with "Nudge them now".
    h.clock.set(INTERVIEW + timedelta(days=1, hours=1, seconds=30))
    drain(h)
    escalation = latest_titled(h, ORG, OVERDUE)
    h.clock.advance(timedelta(hours=1))
    nudged = {u: sent_titled(h, u, REMINDER) for u in (BEN, DEE)}
    c.replay(
        "Nudge them now button",
        action(h, ORG, escalation, "nudge_now"),
        expect_equal(
            "nudges",
            lambda: {u: sent_titled(h, u, REMINDER) for u in (BEN, DEE)},
            {u: n + 1 for u, n in nudged.items()},
        ),
    )
    assert status_of(h.db, round_id) == Status.OPEN
    problems = c.finish()
    assert problems == [], "\n".join(problems)


# -- 3. digests, settings, comparisons, exports, rubrics --------------------------------------
def pick(h: Harness, user: str, action_id: str, role_id: int) -> Raw:
    """A choice in an ephemeral role picker (not stored by the stand-in: built by hand)."""
    option = {
        "text": {"type": "plain_text", "text": "x"},
        "value": encode(RoleChoice(role=role_id)),
    }
    payload = ephemeral_select_payload(h, user, action_id, option, block_id="pick")
    return interaction(payload)


def comparisons(h: Harness) -> int:
    return len(h.standin.posted(HIRING, text_contains="Comparison for"))


def files_to(h: Harness, where: str) -> int:
    return len(h.standin.files_in(where))


@pytest.mark.reliability
def test_every_command_and_comparison_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "commands, comparisons, exports, rubrics, erasure, events")
    h.standin.add_user(ORG, "olga", real_name="Olga Organizer", is_admin=True)
    seed_finished_rounds(h.db, 3)
    seed_finished_rounds(h.db, 1, role="Staff Designer")
    writer = seed_finished_rounds(h.db, 2, role="Staff Writer").role_id
    h.start_round(panelists=[ANA, BEN])  # a round in flight, for the digest

    c.replay(
        "/panel digest now",
        command(h, ORG, "digest now"),
        expect_equal(
            "digests", lambda: len(h.standin.posted(HIRING, text_contains="Hiring digest")), 1
        ),
    )
    c.replay("/panel digest daily 09:00", command(h, ORG, "digest daily 09:00"))
    c.replay("/panel reminders after 2h every 1d", command(h, ORG, "reminders after 2h every 1d"))
    c.replay("/panel calibration", command(h, ORG, "calibration"))

    c.replay(
        "/panel compare <role>",
        command(h, ORG, "compare Staff Engineer"),
        expect_equal(
            "comparisons, heatmaps", lambda: (comparisons(h), files_to(h, HIRING)), (1, 1)
        ),
    )
    c.at_once(
        DOUBLE_CLICKED,
        "/panel compare <role> entered twice at once",
        [command(h, ORG, "compare Staff Designer"), command(h, ORG, "compare Staff Designer")],
        expect=expect_equal(
            "comparisons, heatmaps", lambda: (comparisons(h), files_to(h, HIRING)), (2, 2)
        ),
        posts=1,
        uploads=1,
    )
    c.replay("/panel compare <part of several roles> (picker)", command(h, ORG, "compare staff"))
    c.replay(
        "role picker: compare",
        pick(h, ORG, "compare_pick", writer),
        expect_equal(
            "comparisons, heatmaps", lambda: (comparisons(h), files_to(h, HIRING)), (3, 3)
        ),
    )
    # Asked for again with nothing new: not posted again, and the person is told so.
    assert send(h, command(h, ORG, "compare Staff Writer")).status == 200
    drain(h)
    assert comparisons(h) == 3
    assert h.standin.responses[-1]["text"] == (
        "You posted this comparison of 2 candidates in <#C0HIRING> already: nothing has "
        "changed since."
    )
    compared = h.standin.posted(HIRING, text_contains="Comparison for")[-1]
    c.replay("comparison: calibrated view toggle", action(h, ORG, compared, "compare_calibrated"))

    c.replay(
        "/panel export <role>",
        command(h, ORG, "export Staff Engineer"),
        expect_equal("exports", lambda: files_to(h, ORG), 1),
    )
    c.at_once(
        DOUBLE_CLICKED,
        "/panel export <role> entered twice at once",
        [command(h, ORG, "export Staff Designer"), command(h, ORG, "export Staff Designer")],
        expect=expect_equal("exports", lambda: files_to(h, ORG), 2),
        uploads=1,
    )
    c.replay(
        "role picker: export",
        pick(h, ORG, "export_pick", writer),
        expect_equal("exports", lambda: files_to(h, ORG), 3),
    )

    c.replay("/panel rubric <role> (opens the modal)", command(h, ORG, "rubric Staff Engineer"))
    c.replay("role picker: rubric (opens the modal)", pick(h, ORG, "rubric_pick", writer))
    view = modal(h, ORG, "panel_rubric")
    c.replay(
        "Rubric submission",
        submission(h, ORG, view, {"c0_name": {"value": V.text("Depth")}}),
        expect_equal("rubric versions", lambda: count(h.db, RoleRubric), 1),
    )
    before = len(h.standin.responses)
    assert send(h, command(h, ORG, "rubric Staff Engineer")).status == 200
    view = h.wait_for(
        lambda: (
            (v := modal_named(h.standin.open_view_for(ORG), "panel_rubric"))
            and v["id"] != view["id"]
            and v
        ),
        "the rubric modal",
    )
    assert len(h.standin.responses) == before
    replies = c.twice_in_parallel(
        "Rubric",
        submission(h, ORG, view, {"c0_name": {"value": V.text("Technical depth")}}),
        expect=expect_equal("rubric versions", lambda: count(h.db, RoleRubric), 2),
    )
    # Both were answered as the one save they are, not as someone else's concurrent edit.
    saved = [r.json()["response_action"] for r in replies]

    # Erasing a candidate: the command, its confirmation retried, then sent twice at once.
    c.replay(
        "/panel forget <candidate> (opens the confirmation)",
        command(h, ORG, "forget Candidate 002"),
    )
    c.replay(
        "Forget confirmation submission",
        submission(h, ORG, modal(h, ORG, "panel_forget"), {}),
        expect_equal(
            "rounds of Candidate 002",
            lambda: count(h.db, Round, Round.candidate_name == "Candidate 002"),
            0,
        ),
    )
    h.standin.close_views(ORG)
    assert send(h, command(h, ORG, "forget Candidate 001")).status == 200
    c.twice_in_parallel(
        "Forget confirmation",
        submission(h, ORG, modal(h, ORG, "panel_forget"), {}),
        expect=expect_equal(
            "rounds of Candidate 001",
            lambda: count(h.db, Round, Round.candidate_name == "Candidate 001"),
            0,
        ),
    )
    c.replay("/panel digest off", command(h, ORG, "digest off"))
    # Slack's own retries are of events: an uninstall redelivered changes nothing more.
    c.replay(
        "tokens_revoked event (a user's token)",
        event(h, {"type": "tokens_revoked", "tokens": {"oauth": [ANA], "bot": []}}),
    )
    c.replay("app_uninstalled event", event(h, {"type": "app_uninstalled"}))
    problems = c.finish()
    assert problems == [], "\n".join(problems)
    assert saved == ["update", "update"], [r.body for r in replies]


# -- 4. the same submission twice at once, many times ----------------------------------------
@pytest.mark.reliability
def test_the_same_submission_sent_twice_at_once_counts_once(harness: Harness) -> None:
    """Two copies of one view submission at the same instant, trial after trial: on
    PostgreSQL the loser of the insert race hits the unique key and must answer as the
    winner did; on SQLite the write lock serializes them."""
    h = harness
    panel = Outcome("same New panel submission twice at once", database_name(h.db))
    feedback = Outcome("same feedback submission twice at once", database_name(h.db))
    problems: list[str] = []
    for n in range(trials(3, 50)):
        candidate = f"Twin {n}"
        before = slack_seen(h)
        values = h.new_panel_values(candidate=candidate, panelists=[ANA, BEN])
        replies = send_together(h, *[submission(h, ORG, new_panel_modal(h), values)] * 2)
        drain(h)
        found = [f"answered {answer_kind(r)}" for r in replies if answer_kind(r) != "200 update []"]
        if (rounds := count(h.db, Round, Round.candidate_name == candidate)) != 1:
            found.append(f"{rounds} rounds")
        if (posts := slack_seen(h).posts - before.posts) != 3:  # announcement, two briefs
            panel.duplicates += max(posts - 3, 0)
            found.append(f"{posts} messages posted")
        if not panel.judge(found, problems, f"New panel, trial {n}", (r.elapsed for r in replies)):
            continue

        round_id = round_named(h, candidate)
        view = opened(h, ANA, brief_of(h, ANA, round_id), "give_feedback", "panel_feedback")
        replies = send_together(h, *[submission(h, ANA, view, h.feedback_values(view))] * 2)
        drain(h)
        found = [f"answered {answer_kind(r)}" for r in replies if answer_kind(r) != "200 update []"]
        with h.db.read() as session:
            kept = session.scalars(
                select(FeedbackRevision.revision)
                .join(Feedback, Feedback.id == FeedbackRevision.feedback_id)
                .where(Feedback.round_id == round_id)
            ).all()
        if list(kept) != [1]:
            feedback.lost += not kept
            found.append(f"revisions {list(kept)}")
        feedback.judge(found, problems, f"feedback, trial {n}", (r.elapsed for r in replies))
    for outcome, prefix in ((panel, "New panel"), (feedback, "feedback")):
        outcome.notes.extend([p for p in problems if p.startswith(prefix)][:5])
        record(outcome)
    assert problems == []


# -- 5. after the summary: the decision --------------------------------------------------------
def decision_values(outcome: str, reason: str | None = None) -> dict[str, dict[str, Any]]:
    return decision_form.decision_values(
        outcome, "The panel's numbers, discussed in the debrief.", [ORG, ANA, BEN], reason=reason
    )


@pytest.mark.reliability
def test_the_decision_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "the decision")
    round_id, announced = summarized_round(h, (ANA, BEN))
    summary = summary_under(h, announced)

    def decisions() -> int:
        return count(h.db, Decision, Decision.round_id == round_id)

    c.replay("Record decision button (opens the modal)", action(h, ORG, summary, "record_decision"))
    view = modal(h, ORG, "panel_decision")
    c.replay(
        "Decision submission",
        submission(h, ORG, view, decision_values("hold")),
        expect_equal("decision versions", decisions, 1),
    )
    summary = summary_under(h, announced)
    view = opened(h, ORG, summary, "record_decision", "panel_decision")
    c.twice_in_parallel(
        "Decision change",
        submission(h, ORG, view, decision_values("advance", "References came back strong.")),
        expect=expect_equal("decision versions", decisions, 2),
        posts=1,  # the new version in the thread
    )
    c.double_click(
        "Change decision button",
        lambda: action(h, ORG, summary, "record_decision"),
    )
    assert status_of(h.db, round_id) == Status.CLOSED
    problems = c.finish()
    assert problems == [], "\n".join(problems)


@pytest.mark.reliability
def test_the_focus_areas_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "focus areas")
    round_id = h.start_round(panelists=[ANA, BEN, CY])
    drain(h)
    c.replay(
        "Focus areas button (opens the modal)",
        action(h, ORG, announcement_of(h, round_id), "focus_areas"),
    )
    view = modal(h, ORG, "panel_focus")
    every = ["depth", "team_fit", "scenario", "clarification", "motivation"]
    values = {f"focus:{user}": {"value": V.options(every)} for user in (ANA, BEN, CY)}

    def focus_of_ana() -> list[str]:
        with h.db.read() as session:
            found = session.scalar(
                select(Panelist.focus).where(Panelist.round_id == round_id, Panelist.user_id == ANA)
            )
        return list(found or [])

    c.replay(
        "Focus areas submission",
        submission(h, ORG, view, values),
        expect_equal("Ana's focus", focus_of_ana, every),
    )
    view = opened(h, ORG, announcement_of(h, round_id), "focus_areas", "panel_focus")
    values[f"focus:{ANA}"] = {"value": V.options(["depth"])}
    c.twice_in_parallel(
        "Focus areas",
        submission(h, ORG, view, values),
        expect=expect_equal("Ana's focus", focus_of_ana, ["depth"]),
    )
    problems = c.finish()
    assert problems == [], "\n".join(problems)
