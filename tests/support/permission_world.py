"""The permission matrix's world (tests/campaigns/test_permissions.py): the workspace its
actions run in, and how each person clicks, types and submits there, in their own workspace
(FOREIGN is another workspace's member)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from tests.slack.driver import Reply, SlackDriver
from tests.slack.state import full_state_values
from tests.support.adversarial import Audit
from tests.support.harness import HIRING, Harness
from tests.support.slack_requests import click_payload, command_fields, post_form

FOREIGN_TEAM, FOREIGN = "T0002", "UFOREIGN"


@dataclass
class World:
    h: Harness
    settle: Callable[[], None]
    audit: Audit
    round_id: int  # open; panel ANA, BEN, CY
    finished_id: int  # complete, in the hiring channel
    role_id: int
    views: dict[str, dict[str, Any]]  # modals opened by their rightful people, to forge

    def driver(self, user: str) -> SlackDriver:
        return self.h.driver.for_team(FOREIGN_TEAM) if user == FOREIGN else self.h.driver

    def announcement(self) -> dict[str, Any]:
        return self.h.standin.messages_in(HIRING)[0]

    def click(self, user: str, action_id: str, value: str) -> Reply:
        driver = self.driver(user)
        with self.audit.acting(user):
            payload = click_payload(self.h, user, action_id, value, message=self.announcement())
        payload["team"] = {"id": driver.team_id, "domain": driver.team_domain}
        payload["user"]["team_id"] = driver.team_id
        return driver.post_payload(payload)

    def command(self, user: str, text: str) -> Reply:
        with self.audit.acting(user):
            fields = command_fields(self.h, user, text, HIRING)
        fields["team_id"] = self.driver(user).team_id
        return post_form(self.h, fields)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        driver = self.driver(user)
        payload = driver._interaction(user, "view_submission")
        current = self.h.standin.views[view["id"]]
        payload["view"] = self.h.standin.view_payload(
            view["id"], full_state_values(current["blocks"], values)
        )
        payload["response_urls"] = []
        return driver.post_payload(payload)

    def count(self, model: Any, *where: Any) -> int:
        with self.h.db.read() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def opened(self, user: str, callback_id: str, before: str | None) -> bool:
        return self.h.fresh_modal(user, callback_id, before) is not None
