"""The outcome actions of the permission matrix (tests/campaigns/test_permissions.py): their
setups and how to tell each happened. `w` is its World (tests/support/permission_world.py):
a finished round of Finn Finished, here decided Advance, hired, and his 6-month check-in
asked of the organizer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.views import ids
from storage.models import Outbox, Round
from storage.outcome_models import CheckIn, RoundOutcomeRow
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support.finished_outcomes import hire
from tests.support.harness import ORG, modal_named
from tests.support.permission_world import World


def advanced(w: World) -> None:
    with w.h.db.transaction() as session:
        session.execute(update(Round).where(Round.id == w.finished_id).values(decision="advance"))


def hired_and_asked(w: World) -> None:
    hire(w.h.db, w.finished_id)


def open_as_organizer(w: World, action_id: str, value: str, callback_id: str) -> None:
    w.h.driver.block_action(ORG, action_id, value=value, message=w.announcement())
    w.views[callback_id] = w.h.wait_for(
        lambda: modal_named(w.h.standin.open_view_for(ORG), callback_id), callback_id
    )


def open_outcome(w: World) -> None:
    advanced(w)
    open_as_organizer(w, ids.RECORD_OUTCOME, str(w.finished_id), ids.OUTCOME)


def record_outcome(w: World, user: str) -> Reply:
    values = {"offer": {"value": V.radio("declined")}, "start_date": {"value": V.date(None)}}
    return w.submit(user, w.views[ids.OUTCOME], values)


def outcome_recorded(w: World, user: str, before: dict[str, Any]) -> bool:
    with w.h.db.read() as session:
        return session.scalar(select(RoundOutcomeRow.recorded_by)) == user


def open_check_in(w: World) -> None:
    hired_and_asked(w)
    open_as_organizer(w, ids.ANSWER_CHECK_IN, f"{w.finished_id}:6", ids.CHECK_IN)


def answer_check_in(w: World, user: str) -> Reply:
    values = {"still_there": {"value": V.radio("yes")}, "rating": {"value": V.radio("3")}}
    return w.submit(user, w.views[ids.CHECK_IN], values)


def check_in_answered(w: World, user: str, before: dict[str, Any]) -> bool:
    with w.h.db.read() as session:
        return session.scalar(select(CheckIn.answered_by)) == user


def open_delegate(w: World) -> None:
    hired_and_asked(w)
    open_as_organizer(w, ids.DELEGATE_CHECK_IN, f"{w.finished_id}:6", ids.CHECK_IN_DELEGATE)


def delegate_check_in(w: World, user: str) -> Reply:
    return w.submit(user, w.views[ids.CHECK_IN_DELEGATE], {"delegate": {"value": V.user("UCY")}})


def check_in_delegated(w: World, user: str, before: dict[str, Any]) -> bool:
    with w.h.db.read() as session:
        return session.scalar(select(CheckIn.delegated_by)) == user


def chart_queued(w: World, user: str, before: dict[str, Any]) -> bool:
    return bool(w.count(Outbox, Outbox.key.like("validity:%"), Outbox.user_id == user))
