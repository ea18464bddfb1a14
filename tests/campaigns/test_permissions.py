"""Outsiders (issue 6, item 7): who may do what, as a table.

Six people — the organizer, a panelist, another panelist of the same round, a member of the
hiring channel who is not on the panel, a member of the workspace outside the channel, and a
user of another workspace — try every action through the real HTTP app, the way Slack would
send it (a click on the real message, a submission of the real modal: forged where the
person could not see it). Each attempt is judged by its effect in the database or in Slack,
not by the words the bot chose: an allowed attempt has its effect, a refused one has none
and its person is told why (never with an apology for an unexpected error).

The rules, from README.md, docs/design.md and the services: feedback is the panel's own;
notes stay sealed until the panel is done, then open to the hiring channel; close, cancel,
the panel, nudges, export, calibration, rubric, forget, the decision and the focus
areas are the organizer's; comparing is for the role's hiring channel and its organizers;
another workspace finds nothing at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.codec import ComparePage, encode
from bot.domain.panel import Status
from bot.domain.work_kinds import snooze_key
from bot.views import ids
from storage.models import Decision, DueWork, Feedback, Outbox, Panelist, Round
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support import outcome_permissions as op
from tests.support.adversarial import Audit
from tests.support.decision_form import decision_values
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import ANA, BEN, CY, DEE, ORG, OUTSIDER, Harness, modal_named
from tests.support.permission_world import FOREIGN, FOREIGN_TEAM, World
from tests.support.reliability import Outcome, record
from tests.support.rows import database_name
from tests.support.texts import strings_in

pytestmark = pytest.mark.reliability


ROLES = {
    "organizer": ORG,
    "panelist": ANA,
    "other panelist": BEN,
    "channel member": DEE,
    "outsider": OUTSIDER,
    "another workspace": FOREIGN,
}
PANELISTS = {"panelist", "other panelist"}
CHANNEL = {"organizer", "panelist", "other panelist", "channel member"}
ORGANIZER = {"organizer"}
# action → the roles allowed to do it; everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "open the feedback modal": PANELISTS,
    "submit feedback": PANELISTS,
    "edit feedback": PANELISTS,
    "see notes while the panel is open": set(),
    "see notes once the panel is done": CHANNEL,
    "turn to the next panelist's notes": CHANNEL,
    "turn back to the previous panelist's notes": CHANNEL,
    "close the round": ORGANIZER,
    "cancel the round": ORGANIZER,
    "open add / remove panelist": ORGANIZER,
    "save add / remove panelist": ORGANIZER,
    "nudge the panel now": ORGANIZER,
    "snooze a reminder": PANELISTS,
    "say they didn't attend": PANELISTS,
    "compare the role's candidates": CHANNEL,
    "turn to the comparison's next page": CHANNEL,
    "turn back to the comparison's previous page": CHANNEL,
    "export the role's feedback": ORGANIZER,
    "see calibration": ORGANIZER,
    "edit the role's rubric": ORGANIZER,
    "ask to forget the candidate": ORGANIZER,
    "confirm forgetting the candidate": ORGANIZER,
    "open the decision modal": ORGANIZER,
    "record the decision": ORGANIZER,
    "open the focus areas": ORGANIZER,
    "save the focus areas": ORGANIZER,
    "open the outcome modal": ORGANIZER,
    "record the outcome": ORGANIZER,
    "open a check-in": ORGANIZER,
    "answer a check-in": ORGANIZER,
    "hand a check-in to someone else": ORGANIZER,
    "see the role's validity": ORGANIZER,
}
FINISHED_CANDIDATE = "Finn Finished"


def build_world(h: Harness) -> World:
    settle, audit = h.settle_listeners, Audit(h)
    h.standin.add_user(FOREIGN, "fred", real_name="Fred Foreign", team_id=FOREIGN_TEAM)
    round_id = h.start_round()
    finished = seed_finished_rounds(h.db, 1, candidate=lambda n: FINISHED_CANDIDATE)
    settle()
    return World(h, settle, audit, round_id, finished.round_ids[0], finished.role_id, {})


# -- each action: what to do, and how to tell it happened -----------------------------------
@dataclass(frozen=True)
class Action:
    setup: Callable[[World], None]
    attempt: Callable[[World, str], Reply]
    happened: Callable[[World, str, dict[str, Any]], bool]
    # What happened before the attempt, for `happened` to compare with.
    before: Callable[[World, str], dict[str, Any]] = lambda w, user: {}


def nothing(w: World) -> None:
    pass


def modal_before(w: World, user: str) -> dict[str, Any]:
    return {"view": w.h.open_modal_id(user)}


def opens(callback_id: str) -> Callable[[World, str, dict[str, Any]], bool]:
    return lambda w, user, before: w.opened(user, callback_id, before["view"])


def feedback_of(w: World, user: str) -> int:
    """The revision of the user's feedback on the open round (0: none)."""
    with w.h.db.read() as session:
        found = session.scalar(
            select(Feedback.revision).where(
                Feedback.round_id == w.round_id, Feedback.user_id == user
            )
        )
    return found or 0


def open_feedback_as_ana(w: World) -> None:
    w.views["feedback"] = w.h.open_feedback(ANA)


def submit_feedback(w: World, user: str) -> Reply:
    view = w.views["feedback"]
    return w.submit(user, view, w.h.feedback_values(view, evidence=f"Seen by {user}."))


def first_feedback_from_the_panel(w: World) -> None:
    open_feedback_as_ana(w)
    for user in (ANA, BEN):
        assert submit_feedback(w, user).status == 200
    w.settle()


def edit_feedback(w: World, user: str) -> Reply:
    view = w.views["feedback"]
    values = w.h.feedback_values(view, ratings=(2, 2, 2, 2, 2), evidence=f"{user} changed it.")
    return w.submit(user, view, values)


def round_status(w: World) -> str:
    with w.h.db.read() as session:
        return str(session.scalar(select(Round.status).where(Round.id == w.round_id)))


def open_panelists_as_organizer(w: World) -> None:
    message = w.announcement()
    w.h.click(ORG, message, ids.EDIT_PANELISTS)
    w.views["panelists"] = w.h.wait_for(
        lambda: modal_named(w.h.standin.open_view_for(ORG), ids.PANELISTS), "panelists modal"
    )


def save_panelists(w: World, user: str) -> Reply:
    values = {"panelists": {"value": V.users([ANA, BEN, CY, DEE])}}
    return w.submit(user, w.views["panelists"], values)


def dee_on_panel(w: World) -> bool:
    return bool(
        w.count(
            Panelist,
            Panelist.round_id == w.round_id,
            Panelist.user_id == DEE,
            Panelist.removed_at.is_(None),
        )
    )


def open_forget_as_organizer(w: World) -> None:
    assert w.command(ORG, f"forget {FINISHED_CANDIDATE}").status == 200
    w.views["forget"] = w.h.wait_for(
        lambda: modal_named(w.h.standin.open_view_for(ORG), ids.FORGET), "forget modal"
    )


def finished_there(w: World) -> bool:
    return bool(w.count(Round, Round.id == w.finished_id))


def outbox(prefix: str, column: Any) -> Callable[[World, str, dict[str, Any]], bool]:
    def happened(w: World, user: str, before: dict[str, Any]) -> bool:
        return bool(w.count(Outbox, Outbox.key.like(f"{prefix}%"), column == user))

    return happened


def shown_comparison(w: World, user: str, before: dict[str, Any]) -> bool:
    """A page of the comparison came back in place of the clicked message."""
    replies = w.h.standin.responses[before["responses"] :]
    return any(str(r.get("text", "")).startswith("Comparison for") for r in replies)


def responses_before(w: World, user: str) -> dict[str, Any]:
    return {"responses": len(w.h.standin.responses)}


def told_calibration(w: World, user: str, before: dict[str, Any]) -> bool:
    told = "\n".join(strings_in(w.h.standin.responses[before["responses"] :]))
    return bool(told) and "Calibration is for people who organize panels" not in told


def rubric_of_the_role(w: World, user: str, before: dict[str, Any]) -> bool:
    view = modal_named(w.h.standin.open_view_for(user), ids.RUBRIC)
    if view is None or view["id"] == before["view"]:
        return False
    role: object = json.loads(view["private_metadata"])["role"]
    return role == w.role_id


def nudges_now(w: World) -> int:
    return w.count(DueWork, DueWork.key.like(f"nudge_now:{w.round_id}:%"))


def snoozed(w: World, user: str, before: dict[str, Any]) -> bool:
    return bool(w.count(DueWork, DueWork.key == snooze_key(w.round_id, user, 1)))


def left_panel(w: World, user: str, before: dict[str, Any]) -> bool:
    return bool(
        w.count(
            Panelist,
            Panelist.round_id == w.round_id,
            Panelist.user_id == user,
            Panelist.removed_at.is_not(None),
        )
    )


def open_decision_as_organizer(w: World) -> None:
    w.h.driver.block_action(
        ORG, ids.RECORD_DECISION, value=str(w.finished_id), message=w.announcement()
    )
    w.views["decision"] = w.h.wait_for(
        lambda: modal_named(w.h.standin.open_view_for(ORG), ids.DECISION), "decision modal"
    )


def record_decision(w: World, user: str) -> Reply:
    values = decision_values("hold", f"{user} waits for the references.", [ORG, ANA])
    return w.submit(user, w.views["decision"], values)


def open_focus_as_organizer(w: World) -> None:
    w.h.click(ORG, w.announcement(), ids.FOCUS_AREAS)
    w.views["focus"] = w.h.wait_for(
        lambda: modal_named(w.h.standin.open_view_for(ORG), ids.FOCUS), "focus modal"
    )


EVERY_CRITERION = ["depth", "team_fit", "scenario", "clarification", "motivation"]


def save_focus(w: World, user: str) -> Reply:
    values = {f"focus:{p}": {"value": V.options(EVERY_CRITERION)} for p in (ANA, BEN, CY)}
    return w.submit(user, w.views["focus"], values)


def focus_of_ana(w: World) -> list[str]:
    with w.h.db.read() as session:
        found = session.scalar(
            select(Panelist.focus).where(Panelist.round_id == w.round_id, Panelist.user_id == ANA)
        )
    return list(found or [])


def decisions(w: World) -> int:
    return w.count(Decision, Decision.round_id == w.finished_id)


ACTIONS: dict[str, Action] = {
    "open the feedback modal": Action(
        nothing,
        lambda w, user: w.click(user, ids.GIVE_FEEDBACK, str(w.round_id)),
        opens(ids.FEEDBACK),
        modal_before,
    ),
    "submit feedback": Action(
        open_feedback_as_ana,
        submit_feedback,
        lambda w, user, before: feedback_of(w, user) == 1,
    ),
    "edit feedback": Action(
        first_feedback_from_the_panel,
        edit_feedback,
        lambda w, user, before: feedback_of(w, user) == 2,
    ),
    "see notes while the panel is open": Action(
        nothing,
        lambda w, user: w.click(user, ids.SEE_NOTES, str(w.round_id)),
        opens(ids.NOTES),
        modal_before,
    ),
    "see notes once the panel is done": Action(
        nothing,
        lambda w, user: w.click(user, ids.SEE_NOTES, str(w.finished_id)),
        opens(ids.NOTES),
        modal_before,
    ),
    # A click that names no modal (forged on the announcement) opens the page in a new one.
    "turn to the next panelist's notes": Action(
        nothing,
        lambda w, user: w.click(user, ids.NOTES_PAGE_NEXT, f"{w.finished_id}:1"),
        opens(ids.NOTES),
        modal_before,
    ),
    "turn back to the previous panelist's notes": Action(
        nothing,
        lambda w, user: w.click(user, ids.NOTES_PAGE_PREV, f"{w.finished_id}:0"),
        opens(ids.NOTES),
        modal_before,
    ),
    "close the round": Action(
        nothing,
        lambda w, user: w.click(user, ids.CLOSE_ROUND, str(w.round_id)),
        lambda w, user, before: before["status"] != round_status(w) == Status.CLOSED,
        lambda w, user: {"status": round_status(w)},
    ),
    "cancel the round": Action(
        nothing,
        lambda w, user: w.click(user, ids.CANCEL_ROUND, str(w.round_id)),
        lambda w, user, before: before["status"] != round_status(w) == Status.CANCELLED,
        lambda w, user: {"status": round_status(w)},
    ),
    "open add / remove panelist": Action(
        nothing,
        lambda w, user: w.click(user, ids.EDIT_PANELISTS, str(w.round_id)),
        opens(ids.PANELISTS),
        modal_before,
    ),
    "save add / remove panelist": Action(
        open_panelists_as_organizer,
        save_panelists,
        lambda w, user, before: not before["on"] and dee_on_panel(w),
        lambda w, user: {"on": dee_on_panel(w)},
    ),
    "nudge the panel now": Action(
        nothing,
        lambda w, user: w.click(user, ids.NUDGE_NOW, str(w.round_id)),
        lambda w, user, before: nudges_now(w) > before["nudges"],
        lambda w, user: {"nudges": nudges_now(w)},
    ),
    "snooze a reminder": Action(
        nothing, lambda w, user: w.click(user, ids.NUDGE_SNOOZE, f"{w.round_id}:1"), snoozed
    ),
    "say they didn't attend": Action(
        nothing, lambda w, user: w.click(user, ids.NUDGE_NOT_ATTENDED, str(w.round_id)), left_panel
    ),
    "compare the role's candidates": Action(
        nothing,
        lambda w, user: w.command(user, "compare Staff Engineer"),
        outbox("compare:", Outbox.notify_user_id),
    ),
    "turn to the comparison's next page": Action(
        nothing,
        lambda w, user: w.click(
            user, ids.COMPARE_PAGE_NEXT, encode(ComparePage(role=w.role_id, page=1))
        ),
        shown_comparison,
        responses_before,
    ),
    "turn back to the comparison's previous page": Action(
        nothing,
        lambda w, user: w.click(
            user, ids.COMPARE_PAGE_PREV, encode(ComparePage(role=w.role_id, page=0))
        ),
        shown_comparison,
        responses_before,
    ),
    "export the role's feedback": Action(
        nothing,
        lambda w, user: w.command(user, "export Staff Engineer"),
        outbox("export:", Outbox.user_id),
    ),
    "see calibration": Action(
        nothing,
        lambda w, user: w.command(user, "calibration"),
        told_calibration,
        responses_before,
    ),
    "edit the role's rubric": Action(
        nothing,
        lambda w, user: w.command(user, "rubric Staff Engineer"),
        rubric_of_the_role,
        modal_before,
    ),
    "ask to forget the candidate": Action(
        nothing,
        lambda w, user: w.command(user, f"forget {FINISHED_CANDIDATE}"),
        opens(ids.FORGET),
        modal_before,
    ),
    "confirm forgetting the candidate": Action(
        open_forget_as_organizer,
        lambda w, user: w.submit(user, w.views["forget"], {}),
        lambda w, user, before: before["there"] and not finished_there(w),
        lambda w, user: {"there": finished_there(w)},
    ),
    "open the decision modal": Action(
        nothing,
        lambda w, user: w.click(user, ids.RECORD_DECISION, str(w.finished_id)),
        opens(ids.DECISION),
        modal_before,
    ),
    "record the decision": Action(
        open_decision_as_organizer,
        record_decision,
        lambda w, user, before: decisions(w) > before["decisions"],
        lambda w, user: {"decisions": decisions(w)},
    ),
    "open the focus areas": Action(
        nothing,
        lambda w, user: w.click(user, ids.FOCUS_AREAS, str(w.round_id)),
        opens(ids.FOCUS),
        modal_before,
    ),
    "save the focus areas": Action(
        open_focus_as_organizer,
        save_focus,
        lambda w, user, before: before["focus"] != focus_of_ana(w) == EVERY_CRITERION,
        lambda w, user: {"focus": focus_of_ana(w)},
    ),
    "open the outcome modal": Action(
        op.advanced,
        lambda w, user: w.click(user, ids.RECORD_OUTCOME, str(w.finished_id)),
        opens(ids.OUTCOME),
        modal_before,
    ),
    "record the outcome": Action(op.open_outcome, op.record_outcome, op.outcome_recorded),
    "open a check-in": Action(
        op.hired_and_asked,
        lambda w, user: w.click(user, ids.ANSWER_CHECK_IN, f"{w.finished_id}:6"),
        opens(ids.CHECK_IN),
        modal_before,
    ),
    "answer a check-in": Action(op.open_check_in, op.answer_check_in, op.check_in_answered),
    "hand a check-in to someone else": Action(
        op.open_delegate, op.delegate_check_in, op.check_in_delegated
    ),
    "see the role's validity": Action(
        nothing, lambda w, user: w.command(user, "validity Staff Engineer"), op.chart_queued
    ),
}
APOLOGY = "error id"


@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_matrix(harness: Harness, caplog: pytest.LogCaptureFixture, action: str) -> None:
    caplog.set_level(logging.WARNING)
    w = build_world(harness)
    spec = ACTIONS[action]
    spec.setup(w)
    w.settle()
    allowed = ALLOWED[action]
    # The refused go first: an allowed close or cancel would leave nothing to refuse.
    order = sorted(ROLES, key=lambda role: role in allowed)
    title = f"permission matrix: {len(ROLES)} roles × {len(ALLOWED)} actions"
    outcome = Outcome(title, database_name(harness.db))
    wrong: list[str] = []
    for role in order:
        user = ROLES[role]
        before = spec.before(w, user)
        seen = len(w.h.standin.calls), len(w.h.standin.responses)
        reply = spec.attempt(w, user)
        w.settle()
        outcome.trials += 1
        outcome.answered(reply.elapsed)
        happened = spec.happened(w, user, before)
        told = told_since(w, user, reply, *seen)
        if reply.status != 200:
            wrong.append(f"{role}: HTTP {reply.status}")
        elif happened != (role in allowed):
            wrong.append(f"{role}: {'allowed' if happened else 'refused'}; told {told[:200]!r}")
        elif not happened and (not told or APOLOGY in told):
            wrong.append(f"{role}: refused without a reason: {told[:200]!r}")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    outcome.failures = len(wrong) + len(errors)
    outcome.notes = [f"{action}: {problem}" for problem in wrong + errors]
    record(outcome)
    assert not wrong, wrong
    assert not errors, errors


def told_since(w: World, user: str, reply: Reply, calls: int, responses: int) -> str:
    """What reached the person after their attempt: the HTTP answer (a command's or a
    submission's), replies at the response_url, modals opened for them, DMs to them."""
    found = [reply.body, *strings_in(w.h.standin.responses[responses:])]
    for call in w.h.standin.calls[calls:]:
        if not call.ok:
            continue
        if call.method in ("views.open", "views.push"):
            if w.audit.trigger_users.get(str(call.args.get("trigger_id"))) == user:
                found.extend(strings_in(call.args.get("view")))
        elif call.method == "views.update":
            record = w.h.standin.views.get(str(call.args.get("view_id"))) or {}
            if record.get("user_id") == user:
                found.extend(strings_in(call.args.get("view")))
        elif call.method == "chat.postMessage" and call.args.get("channel") == f"D{user}":
            found.extend(strings_in(call.args))
    return "\n".join(text for text in found if text)


def test_the_matrix_covers_every_action_and_role() -> None:
    assert set(ACTIONS) == set(ALLOWED)
    assert len(ROLES) == 6
