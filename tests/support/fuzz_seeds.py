"""The workspace the bad-input tests (tests/campaigns/test_fuzz.py,
tests/campaigns/test_bad_input.py) are built
from, and one valid request per handler: its seed, built from the live workspace (a real
button's payload, a modal as the bot opened it), for hypothesis to mutate.

Another workspace's rounds sit in the same database, their candidate, role and feedback
marked with SECRET: forged ids may point at them, and nothing of them may show.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import update

from bot.domain.panel import Status
from bot.views import ids
from storage.outcome_models import CheckIn
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support import decision_form
from tests.support.finished_outcomes import hire
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import ANA, CY, HIRING, NO_BOT_CHANNEL, ORG, OUTSIDER, Harness
from tests.support.reliability import trials
from tests.support.round_rows import Seeded
from tests.support.slack_requests import (
    click_payload,
    command_fields,
    event_envelope,
    post_event,
    post_form,
    post_interaction,
)

OTHER_TEAM = "T0FOREIGN"
SECRET = "OTHERTEAM-SECRET"
HUGE = "x" * 100_000
# What to type where text goes: hostile strings, and any text hypothesis makes up.
NASTY = [
    "",
    " ",
    HUGE,
    "\u202eevil\u202c",
    "\u200f\u200e\u061c",
    "👩\u200d👩\u200d👧\u200d👦🙂",
    "a\u200db\u200c\ufeffc",
    "\x00",
    "Ada\x00Lovelace",
    "\ud800",
    "<!channel>",
    "<@U0ADMIN> <https://evil.example|click> &amp;",
    "9" * 40,
    "-1",
    "0",
    "1.5",
    "1e999",
    "NaN",
    "²",
    "١٢",
    "3:²",
    "1|²",
    "{}",
    "null",
]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


# -- the workspace the seeds are built from -----------------------------------------------
@dataclass
class World:
    h: Harness
    settle: Callable[[], None]
    feedback_round: int  # ANA, BEN, CY; ANA's feedback is fuzzed here
    panel_round: int  # the organizer's panel edits
    closing_round: int  # close, cancel, "I didn't attend"
    finished: Seeded  # complete rounds of the role, for notes and comparisons
    forgettable: list[str]  # candidates /panel forget may erase, one per example
    other: Seeded  # another workspace's complete rounds, secrets inside
    events: int = 0
    forgotten: int = 0

    @property
    def role(self) -> int:
        return self.finished.role_id

    def names(self) -> dict[str, int]:
        """What a seed's button values are filled from."""
        return {
            "feedback_round": self.feedback_round,
            "closing_round": self.closing_round,
            "panel_round": self.panel_round,
            "finished_round": self.finished.round_ids[0],
            "hired_round": self.finished.round_ids[1],
            "role": self.role,
        }

    def message_of(self, round_id: int) -> dict[str, Any]:
        """The round's announcement; once its buttons are gone (the round closed), any
        message of the channel: a click only needs one to reply to."""
        return _carrying(self.h.standin.messages_in(HIRING), round_id)

    def brief(self, user: str, round_id: int) -> dict[str, Any]:
        return _carrying(self.h.standin.messages_in(f"D{user}"), round_id)


def _carrying(messages: list[dict[str, Any]], round_id: int) -> dict[str, Any]:
    assert messages, "no message to click in"
    for message in messages:
        if f'"value": "{round_id}"' in json.dumps(message.get("blocks")):
            return message
    return messages[0]


def build_world(h: Harness) -> World:
    settle = h.settle_listeners
    feedback_round = h.start_round()
    panel_round = h.start_round()
    closing_round = h.start_round()
    finished = seed_finished_rounds(h.db, 4, asked="How is on-call?")
    hire(h.db, finished.round_ids[1])  # for the outcome's and the check-in's buttons
    forget_count = trials(6, 120)
    seed_finished_rounds(
        h.db, forget_count, role="Forgettable", candidate=lambda n: f"Forget Me {n}"
    )
    other = seed_finished_rounds(
        h.db,
        2,
        team=OTHER_TEAM,
        role=f"Role {SECRET}",
        candidate=lambda n: f"Zed {SECRET} {n}",
        asked=f"Asked {SECRET}",
    )
    # An open round of the other workspace too, with the same user ids on its panel.
    seed_finished_rounds(
        h.db, 1, team=OTHER_TEAM, status=Status.OPEN, candidate=lambda n: f"Open {SECRET}"
    )
    h.driver.event({"type": "app_home_opened", "user": ORG, "tab": "home"})
    h.wait_for(lambda: h.standin.home_views.get(ORG), "the Home tab")
    settle()
    return World(
        h,
        settle,
        feedback_round,
        panel_round,
        closing_round,
        finished,
        [f"Forget Me {n}" for n in range(forget_count)],
        other,
    )


# -- seeds: one valid request per handler ---------------------------------------------------
@dataclass
class Request:
    kind: str  # "command", "interaction" or "event"
    body: dict[str, Any]
    view_id: str | None = None  # the modal a view_submission submits

    def send(self, w: World) -> Reply:
        if self.kind == "command":
            return post_form(w.h, self.body)
        if self.kind == "event":
            return post_event(w.h, self.body)
        return post_interaction(w.h, self.body)


Build = Callable[[World, Any], Request]


@dataclass(frozen=True)
class Seed:
    listener: str  # "<kind>:<id>", as the handlers register it
    build: Build
    form: bool = False  # a modal submission


COMMAND_TEXTS = [
    "",
    "new Ada Lovelace",
    "status",
    "help",
    "digest",
    "digest daily 09:00",
    "digest weekly mon 09:00 Europe/Berlin",
    "digest now",
    "digest off",
    "reminders",
    "reminders after 2h every 1d",
    "reminders off",
    "reminders after 99999999999999999999h every 1d",
    "reminders after 0h every 0d",
    "digest daily 99999999999:00",
    "digest weekly ²:00",
    "compare Staff Engineer",
    "compare staff by depth",
    "compare Nothing Like It",
    "calibration",
    "export Staff Engineer",
    "rubric Staff Engineer",
    "forget Forget Me 0",
    "forget Nobody At All",
    "bogus verb",
]


def command(w: World, data: Any) -> Request:
    text = data.draw(st.sampled_from(COMMAND_TEXTS), label="text")
    if data.draw(st.booleans(), label="fuzz the argument"):
        text = f"{text.split(' ')[0]} {data.draw(TEXT, label='argument')}"
    user = data.draw(st.sampled_from([ORG, ANA, OUTSIDER]), label="user")
    channel = data.draw(st.sampled_from([HIRING, NO_BOT_CHANNEL, f"D{user}"]), label="channel")
    return Request("command", command_fields(w.h, user, text, channel))


def shortcut(w: World, data: Any) -> Request:
    payload = w.h.driver._interaction(ORG, "shortcut")
    payload.update(callback_id=ids.SHORTCUT_NEW_PANEL, action_ts=f"{time.time():.6f}")
    return Request("interaction", payload)


def click(user: str, action_id: str, value: str, where: str | None = None) -> Build:
    """A click on a button whose value is `value` filled from the world ({feedback_round},
    {role}, …), in the announcement of the round it names (`where="announcement"`), in the
    person's brief for it (`where="brief"`), or in the first round's announcement; a value
    ending in ":" is a select's chosen option."""

    def build(w: World, data: Any) -> Request:
        raw = value.format(**w.names())
        round_id = int(raw.split(":")[0]) if where else w.feedback_round
        message = w.brief(user, round_id) if where == "brief" else w.message_of(round_id)
        selected = raw if raw.endswith(":") else None
        payload = click_payload(
            w.h, user, action_id, None if selected else raw, message=message, selected=selected
        )
        return Request("interaction", payload)

    return build


def home_click(w: World, data: Any) -> Request:
    home = w.h.standin.home_views[ORG]
    return Request("interaction", click_payload(w.h, ORG, ids.OPEN_NEW_PANEL, "new", view=home))


def notes_page(action_id: str, page: int) -> Build:
    """A page of the notes modal: open it first (See all notes), then turn the page."""

    def build(w: World, data: Any) -> Request:
        view = open_modal(
            w,
            ORG,
            ids.NOTES,
            lambda: post_interaction(
                w.h,
                click_payload(
                    w.h,
                    ORG,
                    ids.SEE_NOTES,
                    str(w.finished.round_ids[0]),
                    message=w.message_of(w.feedback_round),
                ),
            ),
        )
        value = f"{w.finished.round_ids[0]}:{page}"
        return Request("interaction", click_payload(w.h, ORG, action_id, value, view=view))

    return build


def open_modal(
    w: World, user: str, callback_id: str, opener: Callable[[], Reply]
) -> dict[str, Any]:
    def act() -> None:
        reply = opener()
        assert reply.status == 200, reply.body
        w.settle()

    return w.h.modal_opened_by(user, callback_id, act)


def submit(user: str, callback_id: str, opener: Callable[[World], Reply], values: Any) -> Build:
    """Open the modal as its person would, then submit it with `values(w, view)`."""

    def build(w: World, data: Any) -> Request:
        view = open_modal(w, user, callback_id, lambda: opener(w))
        payload = w.h.submission(user, view, values(w, view))
        payload["is_enterprise_install"] = False
        return Request("interaction", payload, view_id=view["id"])

    return build


def run_command(user: str, text: Callable[[World], str]) -> Callable[[World], Reply]:
    return lambda w: post_form(w.h, command_fields(w.h, user, text(w), HIRING))


def open_feedback(w: World) -> Reply:
    brief = w.brief(ANA, w.feedback_round)
    payload = click_payload(w.h, ANA, ids.GIVE_FEEDBACK, str(w.feedback_round), message=brief)
    return post_interaction(w.h, payload)


def open_panelists(w: World) -> Reply:
    payload = click_payload(
        w.h,
        ORG,
        ids.EDIT_PANELISTS,
        str(w.panel_round),
        message=w.message_of(w.panel_round),
    )
    return post_interaction(w.h, payload)


def open_decision(w: World) -> Reply:
    round_id = w.finished.round_ids[0]
    payload = click_payload(
        w.h, ORG, ids.RECORD_DECISION, str(round_id), message=w.message_of(w.feedback_round)
    )
    return post_interaction(w.h, payload)


def open_focus(w: World) -> Reply:
    payload = click_payload(
        w.h, ORG, ids.FOCUS_AREAS, str(w.panel_round), message=w.message_of(w.panel_round)
    )
    return post_interaction(w.h, payload)


def decision_values(w: World, view: dict[str, Any]) -> dict[str, Any]:
    changing = any(block.get("block_id") == "change_reason" for block in view["blocks"])
    return decision_form.decision_values(
        "hold",
        "Waiting for the reference call.",
        [ORG, ANA],
        reason="Another look." if changing else None,
    )


def opener(action_id: str, value: str) -> Callable[[World], Reply]:
    """A click of the organizer's on a button whose value is filled from the world."""

    def open_it(w: World) -> Reply:
        raw = value.format(**w.names())
        message = w.message_of(w.feedback_round)
        return post_interaction(w.h, click_payload(w.h, ORG, action_id, raw, message=message))

    return open_it


def reasked(open_it: Callable[[World], Reply]) -> Callable[[World], Reply]:
    """Ask the organizer again first: a delegation the last example made moved it on."""

    def again(w: World) -> Reply:
        with w.h.db.transaction() as session:
            session.execute(
                update(CheckIn)
                .where(CheckIn.round_id == w.names()["hired_round"])
                .values(asked_user=ORG, delegated_by=None)
            )
        return open_it(w)

    return again


def outcome_values(w: World, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "offer": {"value": V.radio("accepted")},
        "start_date": {"value": V.date("2026-12-07")},
    }


def check_in(w: World, view: dict[str, Any]) -> dict[str, Any]:
    return {"still_there": {"value": V.radio("yes")}, "rating": {"value": V.radio("3")}}


def next_forgettable(w: World) -> str:
    name = w.forgettable[w.forgotten % len(w.forgettable)]
    w.forgotten += 1
    return f"forget {name}"


def home_opened(w: World, data: Any) -> Request:
    w.events += 1
    inner = {"type": "app_home_opened", "user": ORG, "channel": f"D{ORG}", "tab": "home"}
    return Request("event", event_envelope(w.h, inner, w.events))


def install_event(inner: dict[str, Any]) -> Build:
    def build(w: World, data: Any) -> Request:
        w.events += 1
        envelope = event_envelope(w.h, inner, w.events)
        # The other workspace's uninstall: it leaves this one's rounds (the seeds) alone.
        envelope["team_id"] = OTHER_TEAM
        envelope["authorizations"][0]["team_id"] = OTHER_TEAM
        return Request("event", envelope)

    return build


CLICKS = [
    (ANA, ids.GIVE_FEEDBACK, "{feedback_round}", "brief"),
    (ORG, ids.SEE_NOTES, "{finished_round}", None),
    (ORG, ids.CLOSE_ROUND, "{closing_round}", "announcement"),
    (ORG, ids.CANCEL_ROUND, "{closing_round}", "announcement"),
    (ORG, ids.EDIT_PANELISTS, "{panel_round}", "announcement"),
    (ANA, ids.NUDGE_SNOOZE, "{feedback_round}:1", "brief"),
    (CY, ids.NUDGE_NOT_ATTENDED, "{closing_round}", "brief"),
    (ORG, ids.NUDGE_NOW, "{feedback_round}", None),
    (ORG, ids.COMPARE_ROLE, "{finished_round}", None),
    (ORG, ids.COMPARE_PICK, "{role}:", None),
    (ORG, ids.EXPORT_PICK, "{role}:", None),
    (ORG, ids.RUBRIC_PICK, "{role}:", None),
    (ORG, ids.COMPARE_PAGE_PREV, "{role}:0:|0", None),
    (ORG, ids.COMPARE_PAGE_NEXT, "{role}:0:|1", None),
    (ORG, ids.COMPARE_CALIBRATED, "{role}:0:depth|0", None),
    (ORG, ids.RECORD_DECISION, "{finished_round}", None),
    (ORG, ids.FOCUS_AREAS, "{panel_round}", "announcement"),
    (ORG, ids.RECORD_OUTCOME, "{hired_round}", None),
    (ORG, ids.ANSWER_CHECK_IN, "{hired_round}:6", None),
    (ORG, ids.DELEGATE_CHECK_IN, "{hired_round}:6", None),
    (ORG, ids.VALIDITY_PICK, "{role}:", None),
]
SEEDS = [
    Seed(f"command:{ids.COMMAND}", command),
    Seed(f"shortcut:{ids.SHORTCUT_NEW_PANEL}", shortcut),
    Seed(f"action:{ids.OPEN_NEW_PANEL}", home_click),
    Seed(f"action:{ids.NOTES_PAGE_PREV}", notes_page(ids.NOTES_PAGE_PREV, 0)),
    Seed(f"action:{ids.NOTES_PAGE_NEXT}", notes_page(ids.NOTES_PAGE_NEXT, 1)),
    *(Seed(f"action:{a}", click(user, a, value, where)) for user, a, value, where in CLICKS),
    Seed(
        f"view:{ids.NEW_PANEL}",
        submit(
            ORG,
            ids.NEW_PANEL,
            run_command(ORG, lambda w: "new"),
            lambda w, view: w.h.new_panel_values(candidate="Fuzzy Candidate"),
        ),
        form=True,
    ),
    Seed(
        f"view:{ids.FEEDBACK}",
        submit(ANA, ids.FEEDBACK, open_feedback, lambda w, view: w.h.feedback_values(view)),
        form=True,
    ),
    Seed(
        f"view:{ids.PANELISTS}",
        submit(ORG, ids.PANELISTS, open_panelists, lambda w, view: {}),
        form=True,
    ),
    Seed(
        f"view:{ids.RUBRIC}",
        submit(
            ORG, ids.RUBRIC, run_command(ORG, lambda w: "rubric Staff Engineer"), lambda w, v: {}
        ),
        form=True,
    ),
    Seed(
        f"view:{ids.FORGET}",
        submit(ORG, ids.FORGET, run_command(ORG, next_forgettable), lambda w, view: {}),
        form=True,
    ),
    Seed(
        f"view:{ids.DECISION}",
        submit(ORG, ids.DECISION, open_decision, decision_values),
        form=True,
    ),
    Seed(
        f"view:{ids.FOCUS}",
        submit(ORG, ids.FOCUS, open_focus, lambda w, view: {}),
        form=True,
    ),
    Seed(
        f"view:{ids.OUTCOME}",
        submit(ORG, ids.OUTCOME, opener(ids.RECORD_OUTCOME, "{hired_round}"), outcome_values),
        form=True,
    ),
    Seed(
        f"view:{ids.CHECK_IN}",
        submit(ORG, ids.CHECK_IN, opener(ids.ANSWER_CHECK_IN, "{hired_round}:6"), check_in),
        form=True,
    ),
    Seed(
        f"view:{ids.CHECK_IN_DELEGATE}",
        submit(
            ORG,
            ids.CHECK_IN_DELEGATE,
            reasked(opener(ids.DELEGATE_CHECK_IN, "{hired_round}:6")),
            lambda w, view: {"delegate": {"value": V.user(CY)}},
        ),
        form=True,
    ),
    Seed("event:app_home_opened", home_opened),
    Seed("event:app_uninstalled", install_event({"type": "app_uninstalled"})),
    Seed(
        "event:tokens_revoked",
        install_event({"type": "tokens_revoked", "tokens": {"oauth": ["UX1"], "bot": ["UBOT"]}}),
    ),
]
