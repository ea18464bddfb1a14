"""Every builder in bot/views at its worst case, through the stand-in's own check.

The worst-case data of tests/unit/test_views.py and its neighbours (12 panelists, 10 round-1
doubts, names and notes at their limits and full of characters that escaping lengthens),
with the biggest rubric (8 criteria, every field at its limit) and the largest lists a
builder can be handed (every page of the notes and of a 250-candidate comparison, 150 roles
in a picker, a candidate's thousand rounds, a year of digests). Each payload goes through
`message_errors` or `view_errors`, the functions the stand-in answers Slack's errors with, so
whatever passes here Slack accepts. A builder added to bot/views without a worst case here
fails `test_every_builder_has_a_worst_case`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import bot.views
from bot.codec import CompareState
from bot.domain import rules
from bot.domain.calibration import Interviewer
from bot.domain.digest import build_digest
from bot.domain.erasure import ErasableRound, Erased, ErasurePlan
from bot.domain.message import Message
from bot.domain.overview import Overview
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import summarize
from bot.views import ids
from bot.views.announcement import announcement
from bot.views.brief import brief
from bot.views.calibration import calibration_message
from bot.views.common import notice_modal
from bot.views.comparison import ROWS_PER_PAGE, STATE_MAX, comparison_message, pages
from bot.views.digest import digest_message
from bot.views.feedback_modal import feedback_modal, feedback_saved_modal
from bot.views.focus_modal import focus_modal, focus_saved_modal
from bot.views.forget import erased_modal, forget_modal, looking_up_modal
from bot.views.help import help_message, unknown_command_message
from bot.views.new_panel import new_panel_modal, panel_started_modal
from bot.views.notes import notes_modal
from bot.views.overview import home_view, status_message
from bot.views.panelists_modal import panelists_modal
from bot.views.reminders import (
    escalation_done_message,
    escalation_message,
    not_attended_notice,
    not_attended_reply,
    nudge_message,
    pre_interview_message,
    snoozed_reply,
    undeliverable_notice,
)
from bot.views.role_picker import role_picker
from bot.views.rubric_modal import rubric_modal, rubric_saved_modal
from bot.views.summary import summary_message
from tests.slack.blockkit import message_errors, view_errors
from tests.support.comparisons import a_comparison, worst_comparison, worst_rows
from tests.support.rubrics import biggest_rubric, fitted
from tests.support.snapshots import NOW, evil_round, finished, worst_feedback, worst_round
from tests.support.texts import EVIL
from tests.support.worst_outcomes import worst

Payload = Message | dict[str, Any]
BIG = biggest_rubric()  # 8 criteria, every field at its limit
STATUSES = (Status.OPEN, Status.COMPLETE, Status.CLOSED, Status.CANCELLED)
ROLE = fitted(f"Role {EVIL} ", rules.ROLE_NAME_MAX)
CANDIDATE = fitted(f"{EVIL} ", rules.CANDIDATE_NAME_MAX)
TYPED = "&" * 4000  # what a person may type after a command: escaping makes it 5 times longer


def a_round(status: str = Status.COMPLETE, submitted: bool = True) -> RoundSnapshot:
    return replace(worst_round(status, submitted), rubric=BIG)


def rounds_every_way() -> Iterator[RoundSnapshot]:
    for status in STATUSES:
        for submitted in (True, False):
            yield a_round(status, submitted)


# ---- one entry per builder: every payload it makes at its worst -----------------------------
def summaries() -> Iterator[Payload]:
    for status in (Status.COMPLETE, Status.CLOSED):
        r = a_round(status)
        feedback = worst_feedback(r)
        for given in (feedback, feedback[:1], []):  # everyone, one, nobody (closed early)
            yield summary_message(r, summarize(BIG, given, list(r.questions)), given)


def focused() -> Iterator[RoundSnapshot]:
    """Every panelist on every criterion, and nobody on any."""
    r = a_round(Status.OPEN, submitted=False)
    keys = tuple(c.key for c in BIG.criteria)
    yield replace(r, panelists=tuple(replace(p, focus=keys) for p in r.panelists))
    yield replace(r, panelists=tuple(replace(p, focus=()) for p in r.panelists))


def notes() -> Iterator[Payload]:
    r = a_round()
    feedback = worst_feedback(r)
    for page in range(-1, len(feedback) + 1):  # first, every middle one, last, and beyond
        yield notes_modal(r, feedback, page)
    yield notes_modal(r, [], 0)


def comparisons() -> Iterator[Payload]:
    rows = worst_rows(BIG, 2 * ROWS_PER_PAGE + 52)  # three pages: first, middle, last
    for calibrated in (False, True):
        c = worst_comparison(
            BIG,
            rows,
            interviewers=60,
            other_rubric_rounds=40,
            calibrated=calibrated,
            sort_by=BIG.criteria[-1].key,
        )
        assert pages(c) == 3
        for page in range(-1, pages(c) + 1):
            yield comparison_message(
                c, page, CompareState(role=rules.ID_MAX, calibrated=True, sort="s" * STATE_MAX)
            )
    yield comparison_message(a_comparison([], rubric=BIG), 0, CompareState(role=rules.ID_MAX))


def calibrations() -> Iterator[Payload]:
    interviewers = [
        Interviewer(f"U{i:03d}", 5 + i % 7, (i - 75) / 100, i / 150) for i in range(300)
    ]
    names = {i.user_id: fitted(f"{EVIL} ", 80) for i in interviewers}
    roles = {fitted(f"{i} {EVIL}", rules.ROLE_NAME_MAX): 0.5 + i / 500 for i in range(200)}
    yield calibration_message(interviewers, names, roles)
    yield calibration_message([], {}, {})


def digests() -> Iterator[Payload]:
    for n in (50, 3000):
        open_rounds = [
            replace(evil_round(i, due_at=NOW + timedelta(hours=i - n // 2)), rubric=BIG)
            for i in range(n)
        ]
        done = [
            finished(
                evil_round(100_000 + i, Status.CLOSED if i % 2 else Status.COMPLETE),
                None if i % 7 == 0 else 1 + (i % 31) / 10,
                NOW - timedelta(minutes=i),
                strong_no=(EVIL,),
                split=True,
                flagged=tuple(c.name for c in SECOND_INTERVIEW.criteria),
                open_doubts=rules.MAX_QUESTIONS,
            )
            for i in range(n)
        ]
        yield digest_message(build_digest("C", NOW, NOW - timedelta(days=365), open_rounds, done))
    yield digest_message(build_digest("C", NOW, NOW, [], []))


def overviews() -> Iterator[Overview]:
    many = [a_round(Status.OPEN, submitted=False) for _ in range(60)]
    yield Overview(owed=many, editable=many, organized=many)
    yield Overview(owed=[], editable=[], organized=[])


def erasure_plan(n: int) -> ErasurePlan:
    rounds = tuple(
        ErasableRound(
            id=rules.ID_MAX - n + i,
            role_name="&" * rules.ROLE_NAME_MAX,  # escaped, five times as long
            organizer_id="UORG",
            status=Status.CANCELLED,
            started_at=NOW - timedelta(days=i),
            panelists=rules.MAX_PANELISTS,
            feedback=rules.MAX_PANELISTS,
        )
        for i in range(n)
    )
    return ErasurePlan(CANDIDATE, rounds, messages=10**6)


def role_pickers() -> Iterator[Payload]:
    roles = [(rules.ID_MAX - i, fitted(f"{i} {EVIL}", rules.ROLE_NAME_MAX)) for i in range(150)]
    for matched in (True, False):
        for text in (TYPED, ""):
            yield role_picker(text, roles, ids.COMPARE_PICK, "compare", matched=matched, extra="k7")
    yield role_picker(TYPED, [], ids.EXPORT_PICK, "export", matched=False)


WORST: dict[str, Callable[[], Iterator[Payload]]] = {
    "announcement.announcement": lambda: (announcement(r) for r in rounds_every_way()),
    "brief.brief": lambda: (brief(r, u) for r in rounds_every_way() for u in ("U00", "UORG")),
    "calibration.calibration_message": calibrations,
    "common.notice_modal": lambda: iter([notice_modal("T" * 200, TYPED)]),
    "comparison.comparison_message": comparisons,
    "digest.digest_message": digests,
    "feedback_modal.feedback_modal": lambda: (
        feedback_modal(r, draft)
        for r in (a_round(Status.OPEN), replace(a_round(Status.OPEN), questions=()))
        for draft in (None, worst_feedback(r)[0].draft)
    ),
    "feedback_modal.feedback_saved_modal": lambda: map(feedback_saved_modal, rounds_every_way()),
    "forget.looking_up_modal": lambda: iter([looking_up_modal(TYPED)]),
    "forget.forget_modal": lambda: (forget_modal(erasure_plan(n)) for n in (1, 400, 5000)),
    "forget.erased_modal": lambda: iter(
        [
            erased_modal(Erased(CANDIDATE)),
            erased_modal(
                Erased(CANDIDATE, *(10**6,) * 6, channels=tuple(f"C{i:010d}" for i in range(500)))
            ),
        ]
    ),
    "help.help_message": lambda: iter([help_message()]),
    "help.unknown_command_message": lambda: iter([unknown_command_message(TYPED)]),
    "new_panel.new_panel_modal": lambda: iter(
        [
            new_panel_modal(
                role_names=[fitted(f"{i} {EVIL}", rules.ROLE_NAME_MAX) for i in range(150)],
                candidate_name=TYPED,
                channel_id="C0123456789",
                now=NOW,
            ),
            new_panel_modal(role_names=[], now=NOW),
        ]
    ),
    "new_panel.panel_started_modal": lambda: iter(
        [
            panel_started_modal(CANDIDATE, [c.name for c in BIG.criteria], "&" * 80),
            panel_started_modal(CANDIDATE, []),
        ]
    ),
    "notes.notes_modal": notes,
    "overview.status_message": lambda: map(status_message, overviews()),
    "overview.home_view": lambda: map(home_view, overviews()),
    "panelists_modal.panelists_modal": lambda: map(panelists_modal, rounds_every_way()),
    "reminders.nudge_message": lambda: (
        nudge_message(r, u, 10**6) for r in rounds_every_way() for u in ("U00", "UOTHER")
    ),
    "reminders.pre_interview_message": lambda: map(
        pre_interview_message, [*rounds_every_way(), replace(a_round(), questions=())]
    ),
    "reminders.escalation_message": lambda: map(escalation_message, rounds_every_way()),
    "reminders.escalation_done_message": lambda: (
        escalation_done_message(r, nudged)
        for r in rounds_every_way()
        for nudged in ([p.user_id for p in r.panelists], [])
    ),
    "reminders.not_attended_notice": lambda: (
        not_attended_notice(r, "U00") for r in rounds_every_way()
    ),
    "reminders.not_attended_reply": lambda: map(not_attended_reply, rounds_every_way()),
    "reminders.snoozed_reply": lambda: (
        snoozed_reply(r, NOW + timedelta(days=3)) for r in rounds_every_way()
    ),
    "reminders.undeliverable_notice": lambda: iter(
        [undeliverable_notice(TYPED, target, "`" * 500 + "&" * 500) for target in ("<#C1>", TYPED)]
    ),
    "role_picker.role_picker": role_pickers,
    "rubric_modal.rubric_modal": lambda: iter(
        [
            rubric_modal(rules.ID_MAX, ROLE, BIG, version=rules.ID_MAX),
            rubric_modal(1, ROLE, None, version=0),
        ]
    ),
    "rubric_modal.rubric_saved_modal": lambda: iter([rubric_saved_modal(ROLE, BIG)]),
    "summary.summary_message": summaries,
    "focus_modal.focus_modal": lambda: map(focus_modal, focused()),
    "focus_modal.focus_saved_modal": lambda: map(focus_saved_modal, focused()),
}
WORST.update(worst(rounds_every_way))  # the decision's, the outcome's, validity's
# The primitives every builder goes through (checked through the builders), and a reader of
# submitted state that happens to return a dict.
NOT_BUILDERS = {"common.message", "common.modal", "state.field"}


def builders() -> set[str]:
    """Every public function in bot/views that returns a message or a view."""
    found = set()
    for module_info in pkgutil.iter_modules(bot.views.__path__):
        module = importlib.import_module(f"bot.views.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            returns = function.__annotations__.get("return")
            public = function.__module__ == module.__name__ and not name.startswith("_")
            if public and returns in ("Message", "dict[str, Any]"):
                found.add(f"{module_info.name}.{name}")
    return found - NOT_BUILDERS


def test_every_builder_has_a_worst_case() -> None:
    assert builders() == set(WORST)


@pytest.mark.parametrize("builder", sorted(WORST))
def test_worst_case_is_accepted_by_slack(builder: str) -> None:
    made = 0
    for payload in WORST[builder]():
        made += 1
        if isinstance(payload, Message):
            assert payload.text
            assert message_errors(payload.blocks) == [], payload.text
        else:
            assert view_errors(payload) == [], payload.get("title")
    assert made
