"""Feedback: what the candidate asked and the round-1 doubts' answers in columns of their
own, copied from the answers (the comparison reads only these of every draft)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 1000
_FEEDBACK = sa.table(
    "feedback",
    sa.column("id", sa.Integer()),
    sa.column("answers", sa.JSON()),
    sa.column("candidate_questions", sa.Text()),
    sa.column("doubt_answers", sa.JSON()),
)


def _columns(answers: dict[str, Any]) -> dict[str, Any]:
    """As storage.feedback_rows.answer_columns at this revision (a migration keeps its own
    copy: the code may change, what this revision wrote may not)."""
    return {
        "candidate_questions": answers.get("candidate_questions") or "",
        "doubt_answers": [[int(a["id"]), a["resolution"]] for a in answers.get("questions", [])],
    }


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("candidate_questions", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("doubt_answers", sa.JSON(), nullable=True))
    connection = op.get_bind()
    after = 0
    while True:  # in chunks by id: a workspace's whole history is never in memory at once
        found = connection.execute(
            sa.select(_FEEDBACK.c.id, _FEEDBACK.c.answers)
            .where(_FEEDBACK.c.id > after)
            .order_by(_FEEDBACK.c.id)
            .limit(CHUNK)
        ).all()
        if not found:
            break
        connection.execute(
            _FEEDBACK.update()
            .where(_FEEDBACK.c.id == sa.bindparam("feedback_id"))
            .values(
                candidate_questions=sa.bindparam("candidate_questions"),
                doubt_answers=sa.bindparam("doubt_answers"),
            ),
            [{"feedback_id": id_, **_columns(answers)} for id_, answers in found],
        )
        after = found[-1].id
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column("candidate_questions", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("doubt_answers", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("doubt_answers")
        batch_op.drop_column("candidate_questions")
