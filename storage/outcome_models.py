"""Tables of what happened after a round (issue 14): the offer and a hire's start date, and
the check-ins 6 and 12 months after the start. Both go with their round (ON DELETE CASCADE):
retention purges them and /panel forget erases them with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class RoundOutcomeRow(Base):
    """The offer after a decision to advance; a hire's start date. One per round."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    offer: Mapped[str] = mapped_column(String(16))  # bot.domain.outcome.Offer
    start_date: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckIn(Base):
    """A hire's check-in at 6 or 12 months: asked of the organizer, or of whom they named."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("round_id", "months"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    months: Mapped[int] = mapped_column(Integer)
    asked_user: Mapped[str] = mapped_column(String(32))
    delegated_by: Mapped[str | None] = mapped_column(String(32))  # "Not my report any more"
    still_there: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1–4 against the role
    note: Mapped[str | None] = mapped_column(String(1000))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None]
