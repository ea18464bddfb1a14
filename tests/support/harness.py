"""Plays the people of a workspace against the running bot: organizer, panelists, outsiders."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from bot.services import Services
from storage.db import Database
from tests.slack.driver import Reply, SlackDriver
from tests.slack.standin import SlackStandIn
from tests.slack.state import V, full_state_values
from tests.support.clock import Clock
from tests.support.listeners import SETTLE_TIMEOUT, ListenerExecutor
from tests.support.rows import leased

SIGNING_SECRET = "test-signing-secret"
HIRING = "C0HIRING"
NO_BOT_CHANNEL = "C0RANDOM"
PRIVATE_NO_BOT = "G0SECRET"
ORG, ANA, BEN, CY, DEE = "UORG", "UANA", "UBEN", "UCY", "UDEE"
OUTSIDER, DEPLOYBOT, GONE = "UOUT", "UDEPLOYBOT", "UGONE"
PANEL = (ANA, BEN, CY)
CRITERIA = ("depth", "team_fit", "scenario", "clarification", "motivation")

T = TypeVar("T")


@dataclass(frozen=True)
class Team:
    """A workspace's people as the harness plays them: the organizer, a panel, the hiring
    channel (the bot is in it) and someone outside it."""

    team_id: str
    domain: str
    org: str
    panel: tuple[str, ...]
    hiring: str
    outsider: str


TEAM_A = Team("T0001", "acme", ORG, PANEL, HIRING, OUTSIDER)
TEAM_B = Team("T0002", "beta", "UBORG", ("UBANA", "UBBEN", "UBCY"), "C0BHIRING", "UBOUT")


def seed_team(standin: SlackStandIn, team: Team) -> None:
    """Another workspace (not installed) with its people and hiring channel."""
    if team.team_id not in standin.workspaces:
        standin.add_workspace(team.team_id, team.domain)
    names = ["olga", "ana", "ben", "cy"][: len(team.panel) + 1]
    for user_id, name in zip((team.org, *team.panel), names, strict=True):
        standin.add_user(user_id, f"{team.domain}-{name}", team_id=team.team_id)
    standin.add_user(team.outsider, f"{team.domain}-otto", team_id=team.team_id)
    standin.add_channel(
        team.hiring,
        f"{team.domain}-hiring",
        is_private=True,
        members=[team.org, *team.panel],
        team_id=team.team_id,
    )


def seed_workspace(standin: SlackStandIn) -> None:
    standin.add_user(ORG, "olga", real_name="Olga Organizer")
    standin.add_user(ANA, "ana", real_name="Ana Tanaka", tz="Asia/Tokyo", tz_offset=32400)
    standin.add_user(BEN, "ben", real_name="Ben Miller", tz="America/New_York", tz_offset=-18000)
    standin.add_user(CY, "cy", real_name="Cy Weber")
    standin.add_user(DEE, "dee", real_name="Dee Jones")
    standin.add_user(OUTSIDER, "otto", real_name="Otto Outsider")
    standin.add_user(DEPLOYBOT, "deploybot", is_bot=True)
    standin.add_user(GONE, "gone", real_name="Gone Person", deleted=True)
    standin.add_channel(HIRING, "hiring", is_private=True, members=[ORG, ANA, BEN, CY, DEE])
    standin.add_channel(NO_BOT_CHANNEL, "random", bot_is_member=False, members=[ORG, OUTSIDER])
    standin.add_channel(PRIVATE_NO_BOT, "secret", is_private=True, bot_is_member=False)


@dataclass
class Harness:
    standin: SlackStandIn
    driver: SlackDriver
    db: Database
    url: str
    services: Services
    clock: Clock
    # Runs listeners after their ack; tests that must see a listener's work finish wait on it
    # (settle_listeners). None where the bot runs in another process.
    executor: ListenerExecutor | None = None
    # Whose people the helpers below play (for_team: another workspace's).
    team: Team = TEAM_A

    def for_team(self, team: Team) -> Harness:
        """The same bot and stand-in, driven by another workspace's people."""
        return replace(self, driver=self.driver.for_team(team.team_id), team=team)

    def tick(self) -> None:
        """One scheduler tick, as APScheduler would run it, once every listener still running
        after its ack has finished (a tick racing a listener's own work flaked under load)."""
        self.settle_listeners()
        self.services.tick()

    def settle_listeners(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until every listener in flight has finished (nothing to wait for where the
        bot's listeners run elsewhere)."""
        if self.executor is not None:
            self.executor.settle(timeout)

    def settle(self) -> None:
        """Wait until what a click or a tick started has finished: no listener in flight and
        no outbox or due-work row leased (deliver_round, run_round and the rest are done)."""
        self.settle_listeners()
        self.wait_for(lambda: leased(self.db) == 0, "the bot's background work")

    def settled_tick(self) -> None:
        """One tick with the bot's own work (after a click, and the tick's) out of the way."""
        self.settle()
        self.tick()
        self.settle()

    def tick_at(self, when: datetime) -> None:
        """Move the clock to `when`, then a settled tick."""
        self.clock.set(when)
        self.settled_tick()

    # -- waiting for what the bot does after ack -------------------------------------
    def wait_for(self, probe: Callable[[], T | None], what: str, timeout: float = 30) -> T:
        """Poll until `probe` finds something. The budget only bounds a hang: a busy machine
        (CI runs pytest on every core) may take many seconds where a quiet one takes ms."""
        deadline = time.monotonic() + timeout
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)

    # -- slash commands ----------------------------------------------------------------
    def channel_name(self, channel: str) -> str:
        """The name Slack sends with a command typed in this conversation."""
        return {HIRING: "hiring", NO_BOT_CHANNEL: "random"}.get(channel, "directmessage")

    def run_command(
        self, text: str, *, user: str = ORG, channel: str = HIRING
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """`/panel <text>`: the ack's message when it says something, else None and every
        response_url post made after the ack (waiting for the first)."""
        before = len(self.standin.responses)
        name = self.channel_name(channel)
        reply = self.driver.command(user, text, channel_id=channel, channel_name=name)
        assert reply.status == 200, reply.body
        acked = reply.json()
        if acked and acked.get("text"):
            return acked, []
        posted = self.wait_for(
            lambda: self.standin.responses[before:], f"the reply to /panel {text}"
        )
        return None, posted

    # -- the organizer ---------------------------------------------------------------
    def open_new_panel(self, text: str = "new", user: str | None = None) -> dict[str, Any]:
        user = user or self.team.org
        reply = self.driver.command(user, text, channel_id=self.team.hiring)
        assert reply.status == 200, reply.body
        return self.wait_for(
            lambda: modal_named(self.standin.open_view_for(user), "panel_new"),
            "the New panel modal",
        )

    def submit_new_panel(
        self, view: dict[str, Any], *, user: str | None = None, **form: Any
    ) -> Reply:
        """Submit the New panel modal; `form` takes new_panel_values' arguments."""
        return self.driver.view_submission(
            user or self.team.org, view, self.new_panel_values(**form)
        )

    def new_panel_values(
        self,
        *,
        candidate: str | None = "Ada Lovelace",
        role: str = "Staff Engineer",
        panelists: Sequence[str] | None = None,
        questions: str = "Why did they leave Acme after a year?\nSalary expectations",
        channel: str | None = None,
        interview_at: int | None = None,
        due_at: int | None = None,
    ) -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = {
            "new_role": {"value": V.text(role)},
            "panelists": {"value": V.users(list(panelists or self.team.panel))},
            "questions": {"value": V.text(questions)},
        }
        if candidate is not None:
            values["candidate"] = {"value": V.text(candidate)}
        if channel is not None:
            values["channel"] = {"value": V.conversation(channel)}
        if interview_at is not None:
            values["interview_at"] = {"value": V.datetime(interview_at)}
        if due_at is not None:
            values["due_at"] = {"value": V.datetime(due_at)}
        return values

    def submission(
        self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """A view_submission payload, to post more than once (a retry, a double click)."""
        current = self.standin.views[view["id"]]
        payload = self.driver._interaction(user, "view_submission")
        payload["view"] = self.standin.view_payload(
            current["id"], full_state_values(current["blocks"], values)
        )
        payload["response_urls"] = []
        return payload

    def start_round(self, panelists: Sequence[str] | None = None, **form: Any) -> int:
        """/panel new → submit → wait for the announcement; returns the round id."""
        panelists = panelists or self.team.panel
        announced = len(self.top_level())
        briefed = {p: len(self.standin.messages_in(f"D{p}")) for p in panelists}
        reply = self.submit_new_panel(self.open_new_panel(), panelists=panelists, **form)
        assert reply.status == 200, reply.body
        assert reply.json()["response_action"] == "update", reply.body

        def new_announcement() -> dict[str, Any] | None:
            return self.announcement() if len(self.top_level()) > announced else None

        announcement = self.wait_for(new_announcement, "the announcement")
        self.wait_for(
            lambda: all(len(self.standin.messages_in(f"D{p}")) > n for p, n in briefed.items()),
            "every panelist's brief",
        )
        return int(button(announcement, "close_round")["value"])

    def top_level(self) -> list[dict[str, Any]]:
        return [m for m in self.standin.messages_in(self.team.hiring) if not m.get("thread_ts")]

    def announcement(self) -> dict[str, Any] | None:
        """The newest announcement in the hiring channel."""
        top = self.top_level()
        return top[-1] if top else None

    def thread(self) -> list[dict[str, Any]]:
        announcement = self.announcement()
        if announcement is None:
            return []
        return self.standin.replies_to(self.team.hiring, announcement["ts"])

    def click(self, user: str, message: dict[str, Any], action_id: str) -> Reply:
        found = button(message, action_id)
        return self.driver.block_action(
            user, action_id, value=found["value"], block_id=found["block_id"], message=message
        )

    # -- modals --------------------------------------------------------------------
    def open_modal_id(self, user: str) -> str | None:
        """The id of the modal the user has open now, to tell a freshly opened one from it."""
        return (self.standin.open_view_for(user) or {}).get("id")

    def fresh_modal(self, user: str, callback_id: str, before: str | None) -> dict[str, Any] | None:
        """The user's open modal of this kind, unless it is the one whose id was `before`."""
        view = modal_named(self.standin.open_view_for(user), callback_id)
        return view if view and view["id"] != before else None

    def modal_opened_by(
        self, user: str, callback_id: str, act: Callable[[], object]
    ) -> dict[str, Any]:
        """Do `act` (a click, a command) and wait for the new modal of this kind it opens."""
        before = self.open_modal_id(user)
        act()
        return self.wait_for(
            lambda: self.fresh_modal(user, callback_id, before), f"the {callback_id} modal"
        )

    def click_for_modal(
        self, user: str, message: dict[str, Any], action_id: str, callback_id: str
    ) -> dict[str, Any]:
        """Click a button and wait for the new modal it opens."""

        def click() -> None:
            reply = self.click(user, message, action_id)
            assert reply.status == 200, reply.body

        return self.modal_opened_by(user, callback_id, click)

    # -- a panelist ------------------------------------------------------------------
    def dm(self, user: str) -> dict[str, Any] | None:
        messages = self.standin.messages_in(f"D{user}")
        return messages[-1] if messages else None

    def open_feedback(self, user: str) -> dict[str, Any]:
        brief = self.dm(user)
        assert brief is not None, f"{user} has no brief"
        return self.click_for_modal(user, brief, "give_feedback", "panel_feedback")

    def feedback_values(
        self,
        view: dict[str, Any],
        ratings: Sequence[int] = (3, 3, 3, 3, 3),
        recommendation: int = 3,
        evidence: str = "Walked us through the migration they led, with numbers.",
        resolution: str = "resolved",
        asked: str = "How does on-call work here?",
    ) -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = {
            "recommendation": {"value": V.radio(str(recommendation))},
            "candidate_questions": {"value": V.text(asked)},
            "engagement": {"value": V.radio("high")},
        }
        for key, rating in zip(CRITERIA, ratings, strict=True):
            values[f"rating:{key}"] = {"value": V.radio(str(rating))}
            values[f"evidence:{key}"] = {"value": V.text(evidence)}
        for block in view["blocks"]:
            if block.get("type") == "input" and block["block_id"].startswith("q:"):
                values[block["block_id"]] = {"value": V.radio(resolution)}
        return values

    def give_feedback(self, user: str, **kwargs: Any) -> Reply:
        view = self.open_feedback(user)
        return self.driver.view_submission(user, view, self.feedback_values(view, **kwargs))


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The button with this action id in a message or view, with its block_id."""
    for block in message.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id", "b")}
    raise AssertionError(f"no {action_id!r} button in {message.get('text')!r}")


def has_button(message: dict[str, Any], action_id: str) -> bool:
    try:
        button(message, action_id)
    except AssertionError:
        return False
    return True


def modal_named(view: dict[str, Any] | None, callback_id: str) -> dict[str, Any] | None:
    return view if view and view.get("callback_id") == callback_id else None
