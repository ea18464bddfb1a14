"""Decisions: every version of a round's hiring decision; the latest one and the
organizer's time zone on the round

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("rationale", sa.String(length=3000), nullable=False),
        sa.Column("change_reason", sa.String(length=1000), nullable=True),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_view_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_decisions_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("round_id", "version", name=op.f("uq_decisions_round_id_version")),
        sa.UniqueConstraint(
            "team_id", "source_view_id", name=op.f("uq_decisions_team_id_source_view_id")
        ),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organizer_tz", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("decision", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decision")
        batch_op.drop_column("organizer_tz")
    op.drop_table("decisions")
