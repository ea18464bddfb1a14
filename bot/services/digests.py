"""Hiring-channel digests: `/panel digest …` settings, composing a digest from the
channel's rounds, and the due work that posts it on schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain.digest import Digest, FinishedRound, build_digest
from bot.domain.message import Message
from bot.domain.schedule import DigestCommand, DigestRule, describe, digest_period, next_digest_at
from bot.domain.stats import summarize
from bot.domain.work_kinds import DueKind, digest_key, digest_now_key
from bot.errors import NotAllowed
from bot.services import digest_rows
from bot.services.context import Resources
from bot.services.due_writer import DueWorkWriter
from bot.services.outbox import OutboxWriter
from bot.services.rendering import Renderer
from bot.services.rounds import channel_error
from storage import queries
from storage.models import DigestSchedule, DueWork, WorkState
from storage.work import cancel_pending

# Candidates finished longer ago than this drop out of the per-role ranking.
RANKING_WINDOW = timedelta(days=180)


def compose(
    session: Session, team_id: str, channel_id: str, since: datetime | None, now: datetime
) -> Digest:
    """The channel's digest: two statements whatever the number of rounds, read as plain
    rows (bot.services.digest_rows; docs/performance.md)."""
    rows = digest_rows.digest_rounds(
        session,
        queries.DIGEST_ROUNDS,
        {"team_id": team_id, "channel_id": channel_id, "finished_after": now - RANKING_WINDOW},
    )
    finished = [
        FinishedRound(
            r.snapshot,
            summarize(r.snapshot.rubric, r.feedback, list(r.snapshot.questions)),
            r.finished_at,
            rows.first_decided.get(r.snapshot.id),
        )
        for r in rows.finished
    ]
    return build_digest(channel_id, now, since, rows.open, finished)


def run_digest(
    session: Session, team_id: str, channel_id: str, key: str, now: datetime, render: Renderer
) -> str:
    """Post the channel's scheduled digest (unless empty) and schedule the next one."""
    schedule = _schedule(session, team_id, channel_id)
    if schedule is None:
        return "digest turned off"
    digest = compose(session, team_id, channel_id, schedule.last_digest_at, now)
    note = "empty, not posted" if digest.empty else ""
    if not digest.empty:
        _enqueue(session, schedule, key, render.digest_message(digest), now)
    schedule.last_digest_at = now
    _schedule_next(session, schedule, now)
    return note


@dataclass(frozen=True)
class DigestReply:
    text: str


class DigestService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def command(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        command: DigestCommand,
        request_id: str,
    ) -> DigestReply:
        if channel_id[:1] not in ("C", "G"):
            raise NotAllowed("Run /panel digest in the hiring channel the digest is for.")
        if command.action in ("set", "now"):
            problem = channel_error(self.resources.slack.channel_access(team_id, channel_id))
            if problem:
                raise NotAllowed(problem)
        if command.action == "set":
            return self._set(team_id, user_id, channel_id, command)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            schedule = _schedule(session, team_id, channel_id)
            if command.action == "off":
                if schedule is None:
                    return DigestReply("This channel has no digest; nothing to turn off.")
                _cancel_scheduled(session, team_id, channel_id)
                session.execute(delete(DigestSchedule).where(DigestSchedule.id == schedule.id))
                return DigestReply(f"Digests in <#{channel_id}> are off.")
            if command.action == "show":
                if schedule is None:
                    return DigestReply(
                        f"<#{channel_id}> has no digest. Try `/panel digest daily 09:00`."
                    )
                return DigestReply(f"<#{channel_id}> gets a digest {_describe(schedule)}.")
            digest = compose(
                session, team_id, channel_id, schedule.last_digest_at if schedule else None, now
            )
            if digest.empty:
                return DigestReply("Nothing to report: no rounds in flight or finished since.")
            owner = schedule or _owner(team_id, channel_id, user_id)
            message = self.resources.render.digest_message(digest)
            _enqueue(session, owner, digest_now_key(channel_id, request_id), message, now)
            if schedule is not None:
                schedule.last_digest_at = now
            return DigestReply("Posting the digest now.")

    def _set(
        self, team_id: str, user_id: str, channel_id: str, command: DigestCommand
    ) -> DigestReply:
        assert command.rule is not None
        rule = command.rule
        tz = command.tz_name or _user_tz(self.resources, team_id, user_id)
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            schedule = _schedule(session, team_id, channel_id)
            if schedule is None:
                schedule = _owner(team_id, channel_id, user_id)
                session.add(schedule)
            schedule.frequency = rule.frequency
            schedule.at_time = rule.at.strftime("%H:%M")
            schedule.weekday = rule.weekday
            schedule.tz = tz
            schedule.created_by = user_id
            schedule.updated_at = now
            session.flush()
            _cancel_scheduled(session, team_id, channel_id)
            at = _schedule_next(session, schedule, now)
            return DigestReply(
                f"<#{channel_id}> will get a digest {describe(rule, tz)}; "
                f"the next one <!date^{int(at.timestamp())}^{{date_short_pretty}} at "
                f"{{time}}|{at:%Y-%m-%d %H:%M} UTC>."
            )


# -- helpers ---------------------------------------------------------------------------------
def _schedule(session: Session, team_id: str, channel_id: str) -> DigestSchedule | None:
    return session.scalars(
        select(DigestSchedule).where(
            DigestSchedule.team_id == team_id, DigestSchedule.channel_id == channel_id
        )
    ).one_or_none()


def _owner(team_id: str, channel_id: str, user_id: str) -> DigestSchedule:
    """A schedule row (new, or only to carry who is told if the post fails)."""
    return DigestSchedule(
        team_id=team_id,
        channel_id=channel_id,
        frequency="daily",
        at_time="09:00",
        tz="UTC",
        created_by=user_id,
    )


def _rule(schedule: DigestSchedule) -> DigestRule:
    hours, minutes = (int(part) for part in schedule.at_time.split(":"))
    if schedule.frequency == "weekly":
        return DigestRule("weekly", time(hours, minutes), schedule.weekday)
    return DigestRule("daily", time(hours, minutes))


def _describe(schedule: DigestSchedule) -> str:
    return describe(_rule(schedule), schedule.tz)


def _schedule_next(session: Session, schedule: DigestSchedule, now: datetime) -> datetime:
    """The next period's digest; a period already digested (the time was moved later on
    the same day) is skipped, never posted twice."""
    rule = _rule(schedule)
    at = now
    while True:
        at = next_digest_at(rule, schedule.tz, at)
        period = digest_period(rule, schedule.tz, at)
        done = select(DueWork.id).where(
            DueWork.team_id == schedule.team_id,
            DueWork.key == digest_key(schedule.channel_id, period),
            DueWork.status == WorkState.DONE,
        )
        if session.scalar(done) is None:
            break
    DueWorkWriter(session, schedule.team_id).digest(schedule.channel_id, period, at)
    return at


def _cancel_scheduled(session: Session, team_id: str, channel_id: str) -> None:
    cancel_pending(
        session,
        DueWork,
        DueWork.team_id == team_id,
        DueWork.kind == DueKind.DIGEST,
        DueWork.channel_id == channel_id,
    )


def _enqueue(
    session: Session, schedule: DigestSchedule, key: str, message: Message, now: datetime
) -> None:
    OutboxWriter(session, schedule.team_id, now).post(
        key,
        message,
        label="the hiring digest",
        channel_id=schedule.channel_id,
        notify_user_id=schedule.created_by,
    )


def _user_tz(resources: Resources, team_id: str, user_id: str) -> str:
    info = resources.slack.user(team_id, user_id) or {}
    return str(info.get("tz") or "UTC")
