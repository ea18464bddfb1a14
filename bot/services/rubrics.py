"""A role's own rubric: edit it in a modal (a new version each save), import and export
every role's rubric as YAML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from bot.domain.rubric_rules import CriterionDraft, build_rubric, rubric_errors
from bot.domain.rubric_yaml import dump_rubrics, load_rubrics
from bot.domain.rules import ROLE_NAME_MAX
from bot.errors import InvalidCommand, InvalidInput, NotAllowed, NotFound
from bot.services.comparisons import RolePick, pick_role
from bot.services.context import Resources
from bot.text import escape
from storage import queries, role_queries
from storage.models import Role, RoleRubric

CONCURRENT_EDIT = (
    "Someone saved this rubric while you were editing it. Close this and run "
    "/panel rubric again to start from their version."
)


@dataclass(frozen=True)
class Saved:
    role_name: str
    rubric: Rubric


@dataclass(frozen=True)
class Imported:
    role_name: str
    version: int  # the role's latest version after the import
    changed: bool  # False: the file had this very rubric, and no version was added


@dataclass(frozen=True)
class Editing:
    role_id: int
    role_name: str
    current: Rubric | None  # None: the role still uses the built-in rubric
    version: int  # the version being edited (0: none yet)


class RubricService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def find_or_create_role(self, team_id: str, text: str) -> Role | RolePick:
        """The role named `text`; one that doesn't exist yet is created (its rubric can be
        set up before its first round); a part of several names asks which."""
        name = text.strip()
        with self.resources.db.transaction() as session:
            found = pick_role(session, team_id, name)
            if isinstance(found, Role) or found.matched or not name:
                return found
            if len(name) > ROLE_NAME_MAX:
                raise InvalidCommand(f"A role name can be at most {ROLE_NAME_MAX} characters.")
            return queries.ensure_role(session, team_id, name)

    def start_editing(self, team_id: str, user_id: str, role_id: int) -> Editing:
        role = self._editable_role(team_id, user_id, role_id)
        with self.resources.db.read() as session:
            latest = role_queries.latest_rubric(session, team_id, role.id)
            current = Rubric.from_data(latest.rubric) if latest else None
            return Editing(role.id, role.name, current, latest.version if latest else 0)

    def save(
        self,
        team_id: str,
        user_id: str,
        role_id: int,
        edited_version: int,
        drafts: Sequence[CriterionDraft],
    ) -> Saved:
        errors = rubric_errors(drafts)
        if errors:
            raise InvalidInput(errors)
        role = self._editable_role(team_id, user_id, role_id)
        try:
            with self.resources.db.transaction() as session:
                latest = role_queries.latest_rubric(session, team_id, role_id)
                if (latest.version if latest else 0) != edited_version:
                    if saved := _same_save(latest, user_id, edited_version, drafts, role):
                        return saved
                    raise InvalidInput({"c0_name": CONCURRENT_EDIT})
                # The modal started from the built-in rubric when the role had none: its
                # criteria keep their keys and anchors when saved unchanged.
                previous = Rubric.from_data(latest.rubric) if latest else SECOND_INTERVIEW
                rubric = build_rubric(str(role_id), role.name, edited_version + 1, drafts, previous)
                role_queries.add_rubric_version(
                    session, team_id, role_id, rubric.version, rubric.to_data(), user_id
                )
                return Saved(role.name, rubric)
        except IntegrityError:  # the same version saved at the same moment
            with self.resources.db.read() as session:
                latest = role_queries.latest_rubric(session, team_id, role_id)
                if saved := _same_save(latest, user_id, edited_version, drafts, role):
                    return saved  # by this very submission, sent twice at once
            raise InvalidInput({"c0_name": CONCURRENT_EDIT}) from None

    # -- YAML, for `panelbot rubric export/import` -------------------------------------------
    def export_yaml(self, team_id: str) -> str:
        with self.resources.db.read() as session:
            rubrics = {}
            for role in queries.roles(session, team_id, limit=10_000):
                latest = role_queries.latest_rubric(session, team_id, role.id)
                if latest is not None:
                    rubrics[role.name] = Rubric.from_data(latest.rubric)
        return dump_rubrics(rubrics)

    def import_yaml(self, team_id: str, text: str, by: str) -> list[Imported]:
        """Every role in the file whose rubric differs from its latest gets a new version
        (roles are created when new); an unchanged one keeps its version, so comparisons
        across it stay whole. All or nothing: one bad role rejects the file."""
        loaded = load_rubrics(text)
        imported = []
        with self.resources.db.transaction() as session:
            for role_name, drafts in loaded.items():
                role = queries.ensure_role(session, team_id, role_name)
                latest = role_queries.latest_rubric(session, team_id, role.id)
                if latest is not None and _unchanged(latest, role, drafts):
                    imported.append(Imported(role.name, latest.version, changed=False))
                    continue
                previous = Rubric.from_data(latest.rubric) if latest else SECOND_INTERVIEW
                version = (latest.version if latest else 0) + 1
                rubric = build_rubric(str(role.id), role.name, version, drafts, previous)
                role_queries.add_rubric_version(
                    session, team_id, role.id, version, rubric.to_data(), by
                )
                imported.append(Imported(role.name, version, changed=True))
        return imported

    def _editable_role(self, team_id: str, user_id: str, role_id: int) -> Role:
        """The role, if this person may edit its rubric: its organizers, workspace admins, or
        anyone while it has no rounds. Slack is asked (users.info) only after the read, so no
        transaction (on SQLite: the write lock) waits on the network."""
        with self.resources.db.read() as session:
            role = role_queries.role(session, team_id, role_id)
            if role is None:
                raise NotFound("That role doesn't exist any more.")
            if role_queries.organizes(session, team_id, user_id, role.id):
                return role
            if role_queries.hiring_channel(session, team_id, role.id) is None:
                return role
        # Saving is a modal submission: Slack's answer must come within the ack's time.
        (admin,) = self.resources.slack.in_time(
            lambda: self.resources.slack.is_admin(team_id, user_id)
        )
        if admin:
            return role
        raise NotAllowed(
            f"Only organizers of {escape(role.name)} panels and workspace admins can edit its "
            "rubric."
        )


def _same_save(
    latest: RoleRubric | None,
    user_id: str,
    edited_version: int,
    drafts: Sequence[CriterionDraft],
    role: Role,
) -> Saved | None:
    """The save this submission would make, if it is already made: the same form submitted
    again (a retry, a double click) is that save, not someone else's concurrent edit."""
    if latest is None or latest.version != edited_version + 1 or latest.created_by != user_id:
        return None
    stored = _unchanged(latest, role, drafts)
    return Saved(role.name, stored) if stored is not None else None


def _unchanged(latest: RoleRubric, role: Role, drafts: Sequence[CriterionDraft]) -> Rubric | None:
    """The latest version, if saving `drafts` over it would make the very same rubric."""
    stored = Rubric.from_data(latest.rubric)
    again = build_rubric(str(role.id), role.name, latest.version, drafts, stored)
    return stored if again == stored else None
