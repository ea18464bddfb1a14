"""Evidence nudges: what the rules pointed out (counts only), and a workspace's own rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("criterion_key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("note_hash", sa.String(length=64), nullable=True),
        sa.Column("view_id", sa.String(length=64), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_evidence_flags_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_flags")),
    )
    with op.batch_alter_table("evidence_flags", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_flags_round_user", ["round_id", "user_id"], unique=False)
    op.create_table(
        "evidence_rules",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_evidence_rules")),
    )


def downgrade() -> None:
    op.drop_table("evidence_rules")
    with op.batch_alter_table("evidence_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_flags_round_user")
    op.drop_table("evidence_flags")
