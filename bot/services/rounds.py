"""Use cases of the organizer: start a round, change its panel, close or cancel it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import rules
from bot.domain.focus import propose_focus
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.panel_form import PanelForm
from bot.domain.rubric import BUILT_IN_RUBRICS, Rubric
from bot.domain.rules import UserFacts
from bot.errors import InvalidInput, NotAllowed, RoundNotOpen
from bot.services.context import Resources
from bot.services.lifecycle import claim_summary, complete_if_all_in, find_round
from bot.services.outbox import OutboxWriter
from bot.services.reminder_schedule import schedule_round
from bot.services.snapshots import snapshot, submitted_by
from bot.slack.gateway import ChannelAccess, SlackGateway
from storage import queries, role_queries
from storage.models import Panelist, Question, Round

PANEL_FROZEN = "The panel can only change while feedback is being collected."
# Rule field → the block in the "New panel" modal that shows the message.
FORM_BLOCKS = {"role": "new_role"}


@dataclass(frozen=True)
class Started:
    round: RoundSnapshot
    created: bool  # False when Slack retried or the organizer double-clicked
    thin_criteria: list[str]
    public_channel: str | None = None  # its name, when candidate data would be public


@dataclass(frozen=True)
class Changed:
    round: RoundSnapshot
    summary_claimed: bool = False
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def channel_error(access: ChannelAccess) -> str | None:
    if access.bot_is_member:
        return None
    if access.name:
        return f"Invite @Panelbot to #{access.name} first (type /invite @Panelbot there)."
    return "Invite @Panelbot to that private channel first (type /invite @Panelbot there)."


class RoundService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def role_names(self, team_id: str) -> list[str]:
        with self.resources.db.read() as session:
            return [role.name for role in queries.roles(session, team_id)]

    def start(self, team_id: str, organizer_id: str, view_id: str, form: PanelForm) -> Started:
        rubric, facts, access, organizer_tz = self._checked(team_id, organizer_id, form)
        assert form.channel_id and form.interview_at and form.due_or_default
        people = {f.user_id: f for f in facts}
        now = self.resources.now()
        try:
            with self.resources.db.transaction() as session:
                existing = queries.round_by_source_view(session, team_id, view_id)
                if existing is not None:
                    return Started(snapshot(session, existing), created=False, thin_criteria=[])
                role = queries.ensure_role(session, team_id, form.role_name)
                # A role with its own rubric uses its newest version; the round keeps it.
                own = role_queries.latest_rubric(session, team_id, role.id)
                if own is not None:
                    rubric = Rubric.from_data(own.rubric)
                rnd = Round(
                    team_id=team_id,
                    role=role,
                    candidate_name=form.candidate_name,
                    profile_link=form.profile_link or None,
                    organizer_id=organizer_id,
                    organizer_tz=organizer_tz,
                    channel_id=form.channel_id,
                    interview_at=form.interview_at,
                    due_at=form.due_or_default,
                    rubric=rubric.to_data(),
                    status=Status.OPEN,
                    source_view_id=view_id,
                    questions=[
                        Question(team_id=team_id, position=i, text=text)
                        for i, text in enumerate(form.questions)
                    ],
                    panelists=[
                        Panelist(
                            team_id=team_id,
                            user_id=uid,
                            display_name=people[uid].name,
                            tz=people[uid].tz,
                        )
                        for uid in dict.fromkeys(form.panelist_ids)
                    ],
                )
                # Focus areas: every criterion covered by two panelists (or the whole of a
                # smaller panel); the organizer can change them until feedback comes in.
                proposed = propose_focus(rubric, [p.user_id for p in rnd.panelists])
                for panelist in rnd.panelists:
                    panelist.focus = list(proposed[panelist.user_id])
                session.add(rnd)
                session.flush()
                snap = snapshot(session, rnd, set())
                # The announcement, the briefs and the reminders commit with the round.
                OutboxWriter(session, team_id, now).round_started(snap)
                schedule_round(session, rnd, [p.user_id for p in snap.panelists], now)
                thin = rules.thinly_covered(rubric, len(rnd.panelists))
                return Started(
                    snap,
                    created=True,
                    thin_criteria=thin,
                    public_channel=None if access.is_private else access.name,
                )
        except IntegrityError:
            # The same submission raced itself on PostgreSQL; the other one won.
            with self.resources.db.read() as session:
                existing = queries.round_by_source_view(session, team_id, view_id)
                if existing is None:
                    raise
                return Started(snapshot(session, existing), created=False, thin_criteria=[])

    def _checked(
        self, team_id: str, organizer_id: str, form: PanelForm
    ) -> tuple[Rubric, list[UserFacts], ChannelAccess, str | None]:
        """Every problem with the form at once, by modal block; asks Slack about people and
        the channel, all at once and within the time the ack allows (else SlackUnavailable:
        the person submits again). Also the organizer's time zone, for their quiet hours."""
        slack = self.resources.slack
        channel_id = form.channel_id
        facts, asked_access, organizer = slack.in_time(
            lambda: _people(slack, team_id, form.panelist_ids),
            lambda: slack.channel_access(team_id, channel_id) if channel_id else None,
            lambda: slack.user(team_id, organizer_id),
        )
        errors = rules.panel_request_errors(
            rules.PanelRequest(
                candidate_name=form.candidate_name,
                profile_link=form.profile_link,
                role_name=form.role_name,
                questions=form.questions,
                panelists=facts,
                interview_at=form.interview_at,
                due_at=form.due_or_default,
            )
        )
        rubric = BUILT_IN_RUBRICS.get(form.rubric_key)
        if rubric is None:
            errors["rubric"] = "Pick one of the listed rubrics."
        access: ChannelAccess | None = asked_access
        if access is None:
            errors["channel"] = "Pick the hiring channel."
        elif problem := channel_error(access):
            errors["channel"] = problem
        if errors or rubric is None or access is None:
            raise InvalidInput({FORM_BLOCKS.get(k, k): v for k, v in errors.items()})
        return rubric, facts, access, (organizer or {}).get("tz") or None

    def for_organizer(self, team_id: str, user_id: str, round_id: int) -> RoundSnapshot:
        with self.resources.db.read() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=False)
            if rnd.status != Status.OPEN:
                raise RoundNotOpen(PANEL_FROZEN)
            return snapshot(session, rnd)

    def close(self, team_id: str, user_id: str, round_id: int) -> Changed:
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=True)
            if rnd.status not in Status.ACCEPTING_FEEDBACK:
                raise RoundNotOpen(f"This round is already {rnd.status}.")
            claimed = claim_summary(session, rnd, now)
            rnd.status = Status.CLOSED
            rnd.closed_at = now
            session.flush()
            return _changed(session, rnd, now, summary_claimed=claimed)

    def cancel(self, team_id: str, user_id: str, round_id: int) -> Changed:
        with self.resources.db.transaction() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=True)
            if rnd.status != Status.OPEN:
                raise RoundNotOpen(
                    "Only a round that is still collecting feedback can be cancelled; "
                    f"this one is {rnd.status}."
                )
            now = self.resources.now()
            rnd.status = Status.CANCELLED
            rnd.closed_at = now
            session.flush()
            return _changed(session, rnd, now)

    def change_panelists(
        self, team_id: str, user_id: str, round_id: int, wanted: list[str]
    ) -> Changed:
        # Before the ack (a modal submission): within its time, else SlackUnavailable.
        slack = self.resources.slack
        (facts,) = slack.in_time(lambda: _people(slack, team_id, wanted))
        problem = rules.panelist_error(facts)
        if problem:
            raise InvalidInput({"panelists": problem})
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=True)
            if rnd.status != Status.OPEN:
                raise RoundNotOpen(PANEL_FROZEN)
            by_user = {p.user_id: p for p in rnd.panelists}
            current = {p.user_id for p in rnd.panelists if p.active}
            added = [f for f in facts if f.user_id not in current]
            removed = sorted(current - {f.user_id for f in facts})
            for fact in added:
                row = by_user.get(fact.user_id)
                if row is None:
                    rnd.panelists.append(
                        Panelist(
                            team_id=team_id,
                            user_id=fact.user_id,
                            display_name=fact.name,
                            tz=fact.tz,
                        )
                    )
                else:  # back on the panel after being removed
                    row.removed_at = None
            for uid in removed:
                by_user[uid].removed_at = now
            refocused = complete_focus(rnd)
            session.flush()
            submitted = submitted_by(session, rnd)
            claimed = complete_if_all_in(session, rnd, now, submitted)
            added_ids = [f.user_id for f in added]
            snap = snapshot(None, rnd, submitted)
            OutboxWriter(session, team_id, now).briefs(snap, added_ids)
            schedule_round(session, rnd, added_ids, now)
            # Those back on the panel already have a brief: it is refreshed, not resent.
            returning = [uid for uid in added_ids if uid in by_user]
            # Those whose focus grew (someone left) see it in their brief.
            refocused = [uid for uid in refocused if uid not in added_ids or uid in returning]
            return _changed(
                session,
                rnd,
                now,
                summary_claimed=claimed,
                briefs_of=[*removed, *returning, *refocused],
                added=tuple(added_ids),
                removed=tuple(removed),
            )


def _changed(
    session: Session,
    rnd: Round,
    now: datetime,
    *,
    summary_claimed: bool = False,
    briefs_of: list[str] | None = None,
    added: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
) -> Changed:
    """Enqueue what the change shows in Slack (every brief, unless told whose) and say
    what changed."""
    snap = snapshot(session, rnd)
    if briefs_of is None:
        briefs_of = [p.user_id for p in snap.panelists]
    OutboxWriter(session, rnd.team_id, now).round_changed(
        snap, summary_claimed=summary_claimed, briefs_of=briefs_of
    )
    return Changed(snap, summary_claimed=summary_claimed, added=added, removed=removed)


def complete_focus(rnd: Round) -> list[str]:
    """After the panel changed: newcomers get a focus, and criteria left with too few
    panelists (someone left) get more; what panelists already have is kept. A round from
    before focus areas stays without them. Returns whose focus changed."""
    active = [p for p in rnd.panelists if p.active]
    if not any(p.focus for p in active):
        return []
    rubric = Rubric.from_data(rnd.rubric)
    existing = {p.user_id: tuple(p.focus or ()) for p in active}
    completed = propose_focus(rubric, [p.user_id for p in active], existing)
    changed = []
    for p in active:
        if completed[p.user_id] != existing[p.user_id]:
            p.focus = list(completed[p.user_id])
            changed.append(p.user_id)
    return changed


def _people(slack: SlackGateway, team_id: str, user_ids: list[str]) -> list[UserFacts]:
    """Who they are, from Slack. More people than a panel holds (only a forged submission:
    Slack's picker stops at the limit) are refused for their number (rules.panelist_error)
    without asking Slack about each, which would outlast the ack."""
    if len(set(user_ids)) > rules.MAX_PANELISTS:
        return [UserFacts(uid, uid, is_bot=False, deleted=False) for uid in dict.fromkeys(user_ids)]
    return slack.user_facts(team_id, user_ids)


def organized_round(
    session: Session, team_id: str, user_id: str, round_id: int, *, lock: bool
) -> Round:
    """The round, if `user_id` organizes it (else NotAllowed, saying who does)."""
    rnd = find_round(session, team_id, round_id, lock=lock)
    if rnd.organizer_id != user_id:
        raise NotAllowed(f"Only the organizer, <@{rnd.organizer_id}>, can change this round.")
    return rnd
