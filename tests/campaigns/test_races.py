"""Races (issue 6, item 3), through the real HTTP app on SQLite and PostgreSQL, each trial a
round of its own; requests released by one barrier hit the bot at the same instant.

- The last two (and the last five) panelists submit at once: every submission is stored and
  exactly one summary is posted (counted after the outbox is drained).
- The organizer closes while the last panelist submits: one consistent outcome — either the
  submission is stored and the summary counts it, or the panelist is told the round closed
  and nothing of theirs is stored; never stored-but-missing, never two summaries.
- A panelist edits while the round closes: the edit is stored and shown in the summary, or
  the panelist is told the round closed and the edit is not stored; never lost.

`make test` runs a few trials; `make reliability` runs 100 of each.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Feedback, FeedbackRevision, Round
from tests.slack.driver import Reply
from tests.support.harness import ANA, BEN, CY, DEE, HIRING, ORG, Harness
from tests.support.reliability import Outcome, record, trials
from tests.support.replay_tools import announcement_of, brief_of, drain, opened, summaries_of
from tests.support.rows import database_name
from tests.support.slack_requests import Raw, action, send_together, submission

EVE, FAY = "UEVE", "UFAY"
SAVED = "Feedback saved"
CLOSED = "feedback can no longer change"
PARTIAL = "*Partial:*"


class Race:
    """One race's trials: each trial's problems, counted into the Outcome recorded at the end
    (a trial with any problem is one failure)."""

    def __init__(self, h: Harness, scenario: str) -> None:
        self.outcome = Outcome(scenario, database_name(h.db))
        self.problems: list[str] = []

    def one_summary(self, h: Harness, round_id: int, found: list[str]) -> None:
        """Exactly one summary under the announcement, however the race went."""
        summaries = len(summaries_of(h, round_id))
        if summaries != 1:
            self.outcome.duplicates += max(summaries - 1, 0)
            found.append(f"{summaries} summaries")

    def against_close(self, h: Harness, round_id: int, request: Raw) -> tuple[Reply, Reply]:
        """`request` and the organizer's Close at the same instant, then the bot idle: the
        answers to both."""
        close = action(h, ORG, announcement_of(h, round_id), "close_round")
        answer, closed = send_together(h, request, close)
        drain(h)
        self.outcome.answered(max(answer.elapsed, closed.elapsed))
        return answer, closed

    def trial_done(self, n: int, found: list[str]) -> None:
        self.outcome.judge(found, self.problems, f"trial {n}")

    def finish(self, won: dict[str, int] | None = None) -> None:
        if won is not None:
            self.outcome.notes.append(", ".join(f"{k}: {v}" for k, v in won.items()))
        self.outcome.notes.extend(self.problems[:5])
        record(self.outcome)
        assert self.problems == []


def start(h: Harness, panel: list[str], n: int) -> int:
    h.standin.close_views(ORG)  # a fresh New panel modal, never one still open
    return h.start_round(panelists=panel, candidate=f"Candidate {n}")


def feedback_request(h: Harness, user: str, round_id: int, **answers: Any) -> Any:
    view = opened(h, user, brief_of(h, user, round_id), "give_feedback", "panel_feedback")
    return submission(h, user, view, h.feedback_values(view, **answers))


def stored(h: Harness, round_id: int, user: str | None = None) -> int:
    with h.db.read() as session:
        query = select(func.count()).select_from(Feedback).where(Feedback.round_id == round_id)
        if user is not None:
            query = query.where(Feedback.user_id == user)
        return session.scalar(query) or 0


def revisions(h: Harness, round_id: int, user: str) -> int:
    with h.db.read() as session:
        return (
            session.scalar(
                select(func.max(FeedbackRevision.revision))
                .join(Feedback, Feedback.id == FeedbackRevision.feedback_id)
                .where(Feedback.round_id == round_id, Feedback.user_id == user)
            )
            or 0
        )


def summary_now(h: Harness, round_id: int) -> str:
    """The round's summary as it reads now (later edits applied), or '' if there is none."""
    with h.db.read() as session:
        ts = session.scalar(select(Round.announcement_ts).where(Round.id == round_id))
    assert ts, f"round {round_id} was never announced"
    replies = h.standin.replies_to(HIRING, str(ts))
    return str(replies[0]) if replies else ""


def modal_says(reply: Reply) -> str:
    """The title and text of the modal a view submission was answered with."""
    body = reply.json() if reply.status == 200 else None
    if not isinstance(body, dict) or body.get("response_action") != "update":
        return f"{reply.status} {reply.body[:200]}"
    return str(body["view"])


# -- the last panelists at once ------------------------------------------------------------
@pytest.mark.reliability
@pytest.mark.parametrize("last", [2, 5])
def test_the_last_panelists_submitting_at_once_post_one_summary(
    harness: Harness, last: int
) -> None:
    h = harness
    h.standin.add_user(EVE, "eve", real_name="Eve Example")
    h.standin.add_user(FAY, "fay", real_name="Fay Example")
    first, *rest = [ANA, BEN, CY, DEE, EVE, FAY][: last + 1]
    race = Race(h, f"last {last} panelists submit at once")
    outcome = race.outcome
    for n in range(trials(3 if last == 2 else 2, 100)):
        round_id = start(h, [first, *rest], n)
        assert h.give_feedback(first).status == 200
        raws = [feedback_request(h, user, round_id) for user in rest]
        replies = send_together(h, *raws)
        drain(h)
        found: list[str] = []
        for reply in replies:
            outcome.answered(reply.elapsed)
            if SAVED not in modal_says(reply):
                found.append(f"answered {modal_says(reply)[:200]}")
        if (kept := stored(h, round_id)) != last + 1:
            outcome.lost += last + 1 - kept
            found.append(f"{kept} of {last + 1} submissions stored")
        counted = f"from {last + 1} of {last + 1} panelists" in summary_now(h, round_id)
        if len(summaries_of(h, round_id)) == 1 and not counted:
            found.append("the summary does not count every submission")
        race.one_summary(h, round_id, found)
        race.trial_done(n, found)
    race.finish()


# -- closing while the last panelist submits -------------------------------------------------
@pytest.mark.reliability
def test_closing_while_the_last_panelist_submits_has_one_outcome(harness: Harness) -> None:
    h = harness
    race = Race(h, "organizer closes while the last panelist submits")
    outcome = race.outcome
    won = {"submission first": 0, "close first": 0}
    for n in range(trials(4, 100)):
        round_id = start(h, [ANA, BEN], n)
        assert h.give_feedback(ANA).status == 200
        submitted, closed = race.against_close(h, round_id, feedback_request(h, BEN, round_id))
        answer, kept = modal_says(submitted), stored(h, round_id, BEN)
        summary, found = summary_now(h, round_id), []
        if closed.status != 200:
            found.append(f"the close was answered {closed.status}")
        race.one_summary(h, round_id, found)
        if kept:
            won["submission first"] += 1
            if SAVED not in answer:
                found.append(f"stored, but the panelist was told {answer[:200]}")
            if "from 2 of 2 panelists" not in summary or PARTIAL in summary:
                outcome.lost += 1
                found.append("stored but missing from the summary")
        else:
            won["close first"] += 1
            if CLOSED not in answer:
                outcome.lost += SAVED in answer
                found.append(f"not stored, and the panelist was told {answer[:200]}")
            if PARTIAL not in summary or f"<@{BEN}>" not in summary:
                found.append("the summary is not the partial one naming who is missing")
        race.trial_done(n, found)
    race.finish(won)


# -- editing while the round closes ----------------------------------------------------------
@pytest.mark.reliability
def test_an_edit_racing_the_close_is_kept_or_clearly_refused(harness: Harness) -> None:
    h = harness
    race = Race(h, "panelist edits while the round closes")
    outcome = race.outcome
    won = {"edit first": 0, "close first": 0}
    for n in range(trials(4, 100)):
        round_id = start(h, [ANA, BEN], n)
        assert h.give_feedback(ANA).status == 200
        assert h.give_feedback(BEN).status == 200
        drain(h)  # complete, and its summary posted
        assert "Strong no 0" in summary_now(h, round_id)
        edit = feedback_request(h, ANA, round_id, recommendation=1)  # now a Strong no
        edited, closed = race.against_close(h, round_id, edit)
        answer, kept = modal_says(edited), revisions(h, round_id, ANA) == 2
        summary, found = summary_now(h, round_id), []
        if closed.status != 200:
            found.append(f"the close was answered {closed.status}")
        race.one_summary(h, round_id, found)
        if kept:
            won["edit first"] += 1
            if SAVED not in answer:
                found.append(f"the edit is stored, but the panelist was told {answer[:200]}")
            if "Strong no 1" not in summary:
                outcome.lost += 1
                found.append("the edit is stored but the summary does not show it")
        else:
            won["close first"] += 1
            if CLOSED not in answer:
                outcome.lost += SAVED in answer
                found.append(f"the edit is not stored, and the panelist was told {answer[:200]}")
            if "Strong no 0" not in summary:
                found.append("the summary shows an edit that is not stored")
        race.trial_done(n, found)
    race.finish(won)
