"""Do a role's panels predict what happened next? The validity report of one role (or, for
an admin, of every role), for the role's organizers and workspace admins only: it reads a
role's ratings and outcomes in a fixed number of queries and hands them to
bot.domain.validity. The table goes to the requester alone, the chart to their DM."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain.rubric import BUILT_IN_RUBRICS, DEFAULT_RUBRIC_KEY, Rubric
from bot.domain.validity import ValidityTable, validity_table
from bot.domain.work_kinds import OutboxKind, validity_key
from bot.errors import NotAllowed, NotFound
from bot.services.context import Resources
from bot.services.outbox import OutboxWriter
from bot.services.role_data import rated
from bot.text import escape
from storage import outcome_queries, queries, role_queries
from storage.models import Outbox, Role
from storage.work import repeat_key

ROLES_SHOWN = 10  # `all`: one message per role, the first ones by name


@dataclass(frozen=True)
class RoleValidity:
    role_id: int
    role_name: str
    table: ValidityTable


def role_criteria(session: Session, team_id: str, role_id: int) -> tuple[tuple[str, str], ...]:
    """(key, name) of the role's rubric: its own newest version, else the default one."""
    own = role_queries.latest_rubric(session, team_id, role_id)
    rubric = Rubric.from_data(own.rubric) if own else BUILT_IN_RUBRICS[DEFAULT_RUBRIC_KEY]
    return tuple((c.key, c.name) for c in rubric.criteria)


def role_validity(session: Session, team_id: str, role: Role) -> RoleValidity:
    """Five queries, however many rounds: the rubric, the feedback and its ratings, the
    decisions with their outcomes, and the answered check-ins."""
    criteria = role_criteria(session, team_id, role.id)
    ratings = rated(session, team_id, role.id)
    outcomes = outcome_queries.role_outcomes(session, team_id, role.id)
    return RoleValidity(role.id, role.name, validity_table(criteria, ratings, outcomes))


class ValidityService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def report(self, team_id: str, user_id: str | None, role_id: int) -> RoleValidity:
        """One role's report; `user_id` None is the admin's CLI."""
        with self.resources.db.read() as session:
            role = role_queries.role(session, team_id, role_id)
            if role is None:
                raise NotFound("There is no such role.")
            organizer = user_id is None or role_queries.organizes(
                session, team_id, user_id, role_id
            )
        # Asked of Slack after the read transaction: no database work waits on the network.
        if not organizer and not self._admin(team_id, user_id):
            raise NotAllowed(
                f"Only organizers of {escape(role.name)} panels and workspace admins can see "
                "whether its panels predict outcomes."
            )
        with self.resources.db.read() as session:
            return role_validity(session, team_id, role)

    def report_all(self, team_id: str, user_id: str | None) -> list[RoleValidity]:
        """Every role's report (the first ROLES_SHOWN by name): admins only."""
        if user_id is not None and not self._admin(team_id, user_id):
            raise NotAllowed("Only workspace admins can see the validity of every role.")
        with self.resources.db.read() as session:
            return [
                role_validity(session, team_id, role)
                for role in queries.roles(session, team_id, limit=ROLES_SHOWN)
            ]

    def send_chart(self, team_id: str, user_id: str, found: RoleValidity, request_id: str) -> bool:
        """Queue the role's chart for the requester's DM (drawn at delivery). Keyed by the
        table's content: a retry sends it once, new outcomes send it again."""
        digest = hashlib.sha256(repr(found.table).encode()).hexdigest()[:24]
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            key = repeat_key(
                session, Outbox, team_id, validity_key(found.role_id, user_id, digest), request_id
            )
            if key is None:
                return False
            OutboxWriter(session, team_id, now).upload(
                key,
                OutboxKind.VALIDITY_CHART,
                label=f"the validity chart of {found.role_name}",
                user_id=user_id,
                role_id=found.role_id,
            )
            return True

    def _admin(self, team_id: str, user_id: str | None) -> bool:
        if user_id is None:
            return True
        (admin,) = self.resources.slack.in_time(
            lambda: self.resources.slack.is_admin(team_id, user_id)
        )
        return bool(admin)
