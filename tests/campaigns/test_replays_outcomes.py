"""The replay campaign (tests/support/replay_campaign.py) over outcomes: Record outcome,
the outcome modal, a check-in's Answer and Not my report any more, and /panel validity — each
replayed as Slack's retries, double-clicked or submitted twice at once, changing nothing
more and sending nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import DueWork
from storage.outcome_models import CheckIn, RoundOutcomeRow
from tests.slack.state import V
from tests.support.check_in_dates import SIX, START
from tests.support.decision_form import decision_values
from tests.support.finished_outcomes import seed_role_with_outcomes
from tests.support.harness import ANA, BEN, CY, HIRING, ORG, Harness
from tests.support.replay_campaign import Campaign, expect_equal
from tests.support.replay_tools import drain, modal, opened, summarized_round, summary_under
from tests.support.slack_requests import action, command, submission

pytestmark = pytest.mark.reliability


@pytest.mark.reliability
def test_outcomes_retried_and_double_clicked(harness: Harness) -> None:
    h = harness
    c = Campaign(h, "outcomes")
    _, announced = summarized_round(h, (ANA, BEN))
    summary = summary_under(h, announced)
    view = opened(h, ORG, summary, "record_decision", "panel_decision")
    values = decision_values("advance", "The panel's numbers.", [ORG, ANA, BEN])
    assert h.driver.view_submission(ORG, view, values).status == 200
    drain(h)
    decision = next(
        m for m in h.standin.replies_to(HIRING, announced) if "Decision on" in m.get("text", "")
    )

    def rows() -> tuple[int, int]:
        with h.db.read() as session:
            outcomes = len(session.scalars(select(RoundOutcomeRow.id)).all())
            due = session.scalars(select(DueWork.id).where(DueWork.kind == "check_in")).all()
        return outcomes, len(due)

    c.replay("Record outcome button (opens the modal)", action(h, ORG, decision, "record_outcome"))
    view = modal(h, ORG, "panel_outcome")
    outcome = {
        "offer": {"value": V.radio("accepted")},
        "start_date": {"value": V.date(START.isoformat())},
    }
    c.replay(
        "Outcome submission",
        submission(h, ORG, view, outcome),
        expect_equal("outcomes and check-ins scheduled", rows, (1, 2)),
    )
    view = opened(h, ORG, decision, "record_outcome", "panel_outcome")
    c.twice_in_parallel(
        "Outcome",
        submission(h, ORG, view, outcome),
        expect=expect_equal("outcomes and check-ins scheduled", rows, (1, 2)),
    )
    c.double_click("Record outcome button", lambda: action(h, ORG, decision, "record_outcome"))

    h.clock.set(SIX)
    h.tick()
    drain(h)
    dm = h.standin.posted(f"D{ORG}", text_contains="6-month check-in")[-1]

    def answered() -> tuple[str | None, int | None]:
        with h.db.read() as session:
            row = session.scalars(select(CheckIn)).one()
            return row.answered_by, row.rating

    c.replay("Answer button (opens the check-in)", action(h, ORG, dm, "answer_check_in"))
    view = modal(h, ORG, "panel_check_in")
    answer = {"still_there": {"value": V.radio("yes")}, "rating": {"value": V.radio("2")}}
    c.replay(
        "Check-in submission",
        submission(h, ORG, view, answer),
        expect_equal("the answer", answered, (ORG, 2)),
    )
    view = opened(h, ORG, dm, "delegate_check_in", "panel_check_in_delegate")
    c.twice_in_parallel(
        "Not my report any more",
        submission(h, ORG, view, {"delegate": {"value": V.user(CY)}}),
        posts=1,  # the question, to Cy, once
    )

    seed_role_with_outcomes(h.db, 40, 10)
    c.replay("/panel validity", command(h, ORG, "validity Staff Engineer"))
    problems = c.finish()
    assert problems == [], "\n".join(problems)
