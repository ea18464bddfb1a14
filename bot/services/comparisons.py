"""Comparing a role's candidates, the workspace's calibration, and exports for the ATS —
each shown only to the role's hiring channel or its organizers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.codec import CompareState, encode
from bot.domain.calibration import Interviewer, Rated, agreement, calibrate
from bot.domain.comparison import Comparison, compare_panels, compared_rubric
from bot.domain.evidence import NudgeCounts, nudge_counts
from bot.domain.export import export_rows, to_csv, to_json
from bot.domain.message import PICKER_MAX, Message
from bot.domain.rubric import Rubric
from bot.domain.timeliness import Submission, Timeliness, interviewer_timeliness
from bot.domain.work_kinds import OutboxKind, compare_key, export_key, heatmap_key
from bot.errors import InvalidCommand, NotAllowed, NotFound
from bot.services.context import Resources
from bot.services.outbox import OutboxWriter
from bot.services.role_data import compared_panels, finished_panels, rated
from bot.text import escape
from storage import evidence_queries, queries, role_queries
from storage.models import Outbox, Role
from storage.work import repeat_key


@dataclass(frozen=True)
class RolePick:
    """The role text matched no role, or several: the person picks one."""

    text: str
    roles: tuple[tuple[int, str], ...]  # (id, name); one more than a picker shows when cut
    matched: bool  # False: nothing matched, these are all the roles


def pick_role(session: Session, team_id: str, text: str) -> Role | RolePick:
    """The one role `text` names, or the choice: the roles it matches, else every role."""
    found = role_queries.roles_matching(session, team_id, text, limit=PICKER_MAX + 1)
    if len(found) == 1:
        return found[0]
    choices = found or list(queries.roles(session, team_id, limit=PICKER_MAX + 1))
    return RolePick(text.strip(), tuple((r.id, r.name) for r in choices), matched=bool(found))


def load_comparison(
    session: Session, team_id: str, role: Role, request: CompareRequest
) -> tuple[Comparison, CompareRequest]:
    """The comparison the request asks for, and the request with its criterion resolved
    to a key (what the table, its buttons and the heatmap all use)."""
    panels = compared_panels(session, team_id, role.id)
    # Calibration reads every panelist's ratings of the workspace: the calibrated means
    # take the compared rounds' from there.
    facts = rated(session, team_id) if request.calibrated else []
    interviewers = calibrate(facts) if request.calibrated else None
    sort_by = _criterion_key(compared_rubric(panels), request.sort_by) if panels else None
    comparison = compare_panels(
        role.name, panels, sort_by=sort_by, calibration=interviewers, rated=facts
    )
    return comparison, replace(request, sort_by=sort_by)


@dataclass(frozen=True)
class CompareRequest:
    role_id: int
    sort_by: str | None = None  # a criterion key or name, as typed
    calibrated: bool = False

    @property
    def state(self) -> CompareState:
        """What the comparison's buttons carry, to redo it with another page or view."""
        return CompareState(role=self.role_id, calibrated=self.calibrated, sort=self.sort_by)

    @classmethod
    def from_state(cls, state: CompareState) -> CompareRequest:
        return cls(state.role, state.sort, state.calibrated)


@dataclass(frozen=True)
class Compared:
    comparison: Comparison
    channel_id: str
    request: CompareRequest
    posted: bool = True  # False: the requester already posted this very comparison


@dataclass(frozen=True)
class Calibration:
    interviewers: list[Interviewer]
    names: dict[str, str]  # user id → display name
    agreement_by_role: dict[str, float | None]
    nudges: dict[str, NudgeCounts]  # user id → their notes pointed out by the evidence rules
    timeliness: dict[str, Timeliness]  # user id → how promptly they give feedback


@dataclass(frozen=True)
class Exported:
    role_name: str
    sent: bool  # False: this very export is already in the requester's DM


class ComparisonService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def find_role(self, team_id: str, text: str) -> Role | RolePick:
        with self.resources.db.read() as session:
            return pick_role(session, team_id, text)

    def role_of_round(self, team_id: str, round_id: int) -> int:
        with self.resources.db.read() as session:
            rnd = queries.get_round(session, team_id, round_id)
            if rnd is None:
                raise NotFound()
            return rnd.role_id

    def compare(self, team_id: str, user_id: str, request: CompareRequest) -> Compared:
        role, channel_id = self._visible_role(team_id, user_id, request.role_id)
        with self.resources.db.read() as session:
            comparison, request = load_comparison(session, team_id, role, request)
        return Compared(comparison, channel_id, request)

    def post(
        self, team_id: str, user_id: str, request: CompareRequest, request_id: str
    ) -> Compared:
        """Post the comparison (table, then the heatmap) to the role's hiring channel.
        `request_id` (the trigger_id) is the same when Slack or a proxy resends a request."""
        compared = self.compare(team_id, user_id, request)
        request = compared.request
        message = self.resources.render.comparison_message(compared.comparison, 0, request.state)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            # Keyed by who asked and what it shows, so a retried or double-clicked request
            # (or the same person asking again with nothing new since) posts it once.
            named = compare_key(request.role_id, user_id, _digest(message))
            key = repeat_key(session, Outbox, team_id, named, request_id)
            if key is None:
                return replace(compared, posted=False)
            out = OutboxWriter(session, team_id, now)
            out.post(
                key,
                message,
                label=f"the comparison for {compared.comparison.role_name}",
                channel_id=compared.channel_id,
                notify_user_id=user_id,
            )
            if compared.comparison.rows:
                out.upload(
                    heatmap_key(key),
                    OutboxKind.HEATMAP,
                    label="the comparison heatmap",
                    channel_id=compared.channel_id,
                    notify_user_id=user_id,
                    state=encode(request.state),
                )
        return compared

    def calibration(self, team_id: str, user_id: str) -> Calibration:
        with self.resources.db.read() as session:
            if not role_queries.organizes(session, team_id, user_id):
                raise NotAllowed("Calibration is for people who organize panels.")
            facts = rated(session, team_id)
            interviewers = calibrate(facts)
            names = role_queries.display_names(session, team_id, list(interviewers))
            answered = evidence_queries.answered_flags(session, team_id)
            timeliness = interviewer_timeliness(
                Submission(*row) for row in role_queries.finished_submissions(session, team_id)
            )
        by_role: dict[str, list[Rated]] = {}
        notes: dict[str, int] = {}
        for fact in facts:
            by_role.setdefault(fact.role_name, []).append(fact)
            notes[fact.user_id] = notes.get(fact.user_id, 0) + len(fact.ratings)
        agreement_by_role = {role: agreement(items) for role, items in sorted(by_role.items())}
        return Calibration(
            list(interviewers.values()),
            names,
            agreement_by_role,
            nudge_counts(notes, answered),
            timeliness,
        )

    def export(
        self, team_id: str, user_id: str | None, role_id: int, fmt: str, since: datetime | None
    ) -> str:
        """The role's finished feedback as CSV or JSON; `user_id` None is the admin's CLI."""
        with self.resources.db.read() as session:
            if user_id is not None:
                self._organizer(session, team_id, user_id, role_id)
            panels = finished_panels(session, team_id, role_id, since)
        return to_json(panels) if fmt == "json" else to_csv(export_rows(panels))

    def send_export(self, team_id: str, user_id: str, role_id: int, request_id: str) -> Exported:
        """Queue the role's CSV for the requester's DM (made again at delivery).
        `request_id` (the trigger_id) is the same when a request is resent."""
        with self.resources.db.read() as session:
            role = self._organizer(session, team_id, user_id, role_id)
            content = to_csv(export_rows(finished_panels(session, team_id, role_id)))
        # Keyed by its content, like a comparison: a retry or a double click sends the file
        # once; an export with something new in it is sent again.
        digest = hashlib.sha256(content.encode()).hexdigest()[:24]
        named = export_key(role_id, user_id, digest)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            key = repeat_key(session, Outbox, team_id, named, request_id)
            if key is None:
                return Exported(role.name, sent=False)
            OutboxWriter(session, team_id, now).upload(
                key,
                OutboxKind.EXPORT,
                label=f"the export of {role.name}",
                user_id=user_id,
                role_id=role_id,
            )
            return Exported(role.name, sent=True)

    # -- who may see ---------------------------------------------------------------------
    def _visible_role(self, team_id: str, user_id: str, role_id: int) -> tuple[Role, str]:
        with self.resources.db.read() as session:
            role = role_queries.role(session, team_id, role_id)
            channel_id = role_queries.hiring_channel(session, team_id, role_id)
            organizer = role_queries.organizes(session, team_id, user_id, role_id)
        if role is None or channel_id is None:
            raise NotFound("No candidates of that role have been interviewed yet.")
        # Asked of Slack after the read transaction: no database work waits on the network.
        if organizer or self.resources.slack.is_channel_member(team_id, channel_id, user_id):
            return role, channel_id
        raise NotAllowed(
            f"Only members of <#{channel_id}>, the hiring channel for this role, and its "
            "organizers can compare its candidates."
        )

    def _organizer(self, session: Session, team_id: str, user_id: str, role_id: int) -> Role:
        role = role_queries.role(session, team_id, role_id)
        if role is None:
            raise NotFound("There is no such role.")
        if not role_queries.organizes(session, team_id, user_id, role_id):
            raise NotAllowed(
                f"Only organizers of {escape(role.name)} panels can export its feedback."
            )
        return role


def _digest(message: Message) -> str:
    """Names a posted message by its content (role, order, view, every cell)."""
    content = json.dumps([message.text, message.blocks], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:24]


def _criterion_key(rubric: Rubric, wanted: str | None) -> str | None:
    """The criterion `wanted` names (key, or name: exactly, then by its start)."""
    if not wanted:
        return None
    key = wanted.strip().casefold()
    for c in rubric.criteria:
        if key in (c.key.casefold(), c.name.casefold()):
            return c.key
    starts = [c for c in rubric.criteria if c.name.casefold().startswith(key)]
    if len(starts) == 1:
        return starts[0].key
    names = ", ".join(c.name for c in rubric.criteria)
    raise InvalidCommand(f"“{escape(wanted)}” is not one of this role's criteria: {escape(names)}.")
