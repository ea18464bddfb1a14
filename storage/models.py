"""Tables. Every row carries the Slack team_id it belongs to; uniqueness makes retries harmless."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from bot.domain.decision import Outcome
from bot.domain.evidence import NudgeOutcome
from bot.domain.panel import Status
from bot.domain.work_kinds import DueKind, OutboxKind
from storage.column_types import EnumString, UTCDateTime

# Named constraints let Alembic (batch mode on SQLite) alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("team_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # case-folded, for matching
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleRubric(Base):
    """One version of a role's own rubric; editing adds a version, never changes one."""

    __tablename__ = "role_rubrics"
    __table_args__ = (UniqueConstraint("team_id", "role_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    rubric: Mapped[dict[str, Any]]  # Rubric.to_data()
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        # A retried or double-clicked "New panel" submission carries the same view id.
        UniqueConstraint("team_id", "source_view_id"),
        Index("ix_rounds_team_organizer", "team_id", "organizer_id"),
        # A channel's rounds by status: every digest reads them.
        Index("ix_rounds_team_channel_status", "team_id", "channel_id", "status"),
        # A role's rounds: its comparison, export and validity report start from them.
        Index("ix_rounds_team_role", "team_id", "role_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    candidate_name: Mapped[str] = mapped_column(String(200))
    profile_link: Mapped[str | None] = mapped_column(String(500))
    organizer_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    interview_at: Mapped[datetime]
    due_at: Mapped[datetime]
    rubric: Mapped[dict[str, Any]]  # the rubric as it was when the round started
    status: Mapped[Status] = mapped_column(EnumString(Status, 16), default=Status.OPEN)
    source_view_id: Mapped[str] = mapped_column(String(64))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    # Set by exactly one transaction: the one that completed or closed the round.
    summary_claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # From users.info when the round started: the decision nudge respects their quiet hours.
    organizer_tz: Mapped[str | None] = mapped_column(String(64))
    # The latest decision (every version is a Decision row), kept here too so the lists
    # that show it (announcement, Home, digest, comparison) need no query per round; both
    # are written in the one transaction that records a version.
    decision: Mapped[Outcome | None] = mapped_column(EnumString(Outcome, 24))
    decided_at: Mapped[datetime | None]

    role: Mapped[Role] = relationship(lazy="joined")
    panelists: Mapped[list[Panelist]] = relationship(
        back_populates="round", order_by="Panelist.id", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    """A round-1 doubt the organizer wants the panel to clarify."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(400))


class Panelist(Base):
    __tablename__ = "panelists"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        Index("ix_panelists_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200))
    # From users.info when they joined the panel: reminders respect their quiet hours.
    tz: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None]  # kept, not deleted: their DM and history stay explainable
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    dm_ts: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Their focus areas: criterion keys they must rate (bot/domain/focus.py). None: a round
    # from before focus areas, where every criterion is everyone's.
    focus: Mapped[list[str] | None] = mapped_column(JSON)

    round: Mapped[Round] = relationship(back_populates="panelists")

    @property
    def active(self) -> bool:
        return self.removed_at is None


class Feedback(Base):
    """The current feedback of one panelist for one round; earlier versions are revisions."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    recommendation: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]  # the whole draft, as FeedbackDraft data
    # Two values of the answers, written with them (storage/feedback_rows.answer_columns):
    # what the candidate asked, and [question id, resolution] of each round-1 doubt answered.
    # The comparison reads only these of every draft; reading the answers for them was
    # most of its reads (docs/performance.md).
    candidate_questions: Mapped[str] = mapped_column(Text)
    doubt_answers: Mapped[list[list[Any]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    ratings: Mapped[list[RatingRow]] = relationship(cascade="all, delete-orphan")


class RatingRow(Base):
    """Ratings normalised out of the draft so comparisons and calibration can query them."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("feedback_id", "criterion_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    criterion_key: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)


class FeedbackRevision(Base):
    __tablename__ = "feedback_revisions"
    __table_args__ = (UniqueConstraint("feedback_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceFlag(Base):
    """One rule that pointed out one evidence note to its panelist: counts, never the note.
    While the panelist has yet to answer the nudge (edit, or submit again) the row holds a
    keyed hash of the note and the modal's view id; both are cleared when it resolves."""

    __tablename__ = "evidence_flags"
    __table_args__ = (Index("ix_evidence_flags_round_user", "round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    criterion_key: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[NudgeOutcome] = mapped_column(
        EnumString(NudgeOutcome, 8), default=NudgeOutcome.PENDING
    )
    note_hash: Mapped[str | None] = mapped_column(String(64))
    view_id: Mapped[str | None] = mapped_column(String(64))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class WorkspaceEvidenceRules(Base):
    """A workspace's own evidence rules (EvidenceRules.to_data()); no row: the defaults."""

    __tablename__ = "evidence_rules"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rules: Mapped[dict[str, Any]]
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """One version of the hiring decision on a round; changing it adds a version."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("round_id", "version"),
        # A retried or double-clicked submission of the decision modal carries its view id.
        UniqueConstraint("team_id", "source_view_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(EnumString(Outcome, 24))
    rationale: Mapped[str] = mapped_column(String(3000))
    change_reason: Mapped[str | None] = mapped_column(String(1000))  # versions 2, 3, …
    participants: Mapped[list[str]] = mapped_column(JSON)  # who took part in the debrief
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_view_id: Mapped[str] = mapped_column(String(64))


class WorkState(StrEnum):
    """pending → done / sent / skipped / failed / cancelled."""

    PENDING = "pending"
    DONE = "done"  # due work: handled
    SENT = "sent"  # outbox: Slack answered ok
    SKIPPED = "skipped"  # outbox: no longer needed when its turn came (e.g. feedback arrived)
    FAILED = "failed"  # outbox: Slack refused for good; the organizer was told
    CANCELLED = "cancelled"  # due work: its schedule changed


class Leased:
    """Columns of work that instances claim with a lease: the row is theirs until
    `lease_until`; when that passes (the instance died), another instance may take it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # A unique name per team ("nudge:12:U1:2"): enqueueing the same work twice is a no-op.
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[WorkState] = mapped_column(EnumString(WorkState, 16), default=WorkState.PENDING)
    due_at: Mapped[datetime]  # not before; for the outbox also the next retry
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    # The last error; for work that ended without sending anything, why it didn't.
    last_error: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    user_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @declared_attr
    def round_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            UniqueConstraint("team_id", "key"),
            # The claim query: pending rows by due time.
            Index(
                f"ix_{name}_claimable",
                "due_at",
                postgresql_where=text("status = 'pending'"),
                sqlite_where=text("status = 'pending'"),
            ),
            Index(f"ix_{name}_round", "round_id"),
        )


class DueWork(Leased, Base):
    """A reminder, escalation or digest that is due at a time; handling it may enqueue
    messages (outbox rows) in the same transaction."""

    __tablename__ = "due_work"

    kind: Mapped[DueKind] = mapped_column(EnumString(DueKind, 32))


class Outbox(Leased, Base):
    """A Slack message to send (or update) because state changed; written in the same
    transaction as the change, delivered by the dispatcher."""

    __tablename__ = "outbox"

    kind: Mapped[OutboxKind] = mapped_column(EnumString(OutboxKind, 32))

    # Refreshes (chat.update of a living message) are re-armed by bumping the generation:
    # a delivery only counts when no newer change arrived while it was in flight.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # Who is told when Slack refuses it for good (the organizer, the digest's owner).
    notify_user_id: Mapped[str | None] = mapped_column(String(32))
    result_channel: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))


class WorkspaceSettings(Base):
    """Per-workspace choices; a missing row means the defaults."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nudges_enabled: Mapped[bool] = mapped_column(default=True)
    nudge_after_minutes: Mapped[int] = mapped_column(Integer, default=60)
    nudge_every_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSchedule(Base):
    """A hiring channel's digest: when, in which time zone, and what it last covered."""

    __tablename__ = "digest_schedules"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(8))  # daily | weekly
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM local
    weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday, weekly only
    tz: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    last_digest_at: Mapped[datetime | None]  # the next digest covers what finished since
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Workspace(Base):
    """A Slack workspace's install history. When it uninstalls, its tokens go at once and its
    data is purged once the retention period has passed since `uninstalled_at`."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_name: Mapped[str | None] = mapped_column(String(200))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None]


# slack_sdk's OAuth stores (installations and bot tokens, OAuth state) keep their rows in
# tables of its own design; declaring them on our metadata puts them under Alembic, and the
# schema test notices if a new slack_sdk changes them.
SLACK_INSTALLATIONS = "slack_installations"
SLACK_BOTS = "slack_bots"
SLACK_OAUTH_STATES = "slack_oauth_states"
SQLAlchemyInstallationStore.build_installations_table(Base.metadata, SLACK_INSTALLATIONS)
SQLAlchemyInstallationStore.build_bots_table(Base.metadata, SLACK_BOTS)
SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, SLACK_OAUTH_STATES)

# After the other tables: outcome_models declares its own on this Base.
import storage.outcome_models  # noqa: E402, F401
