"""Call records: each call's outcome and duration, and the node of every step, for the operator page.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime),
        sa.Column("outcome", sa.String(16)),
        sa.Column("duration", sa.Integer),
    )
    op.create_index("ix_calls_started", "calls", ["started"])
    op.create_table(
        "call_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False),
    )
    op.create_index("ix_call_steps_call_sid", "call_steps", ["call_sid"])
    op.create_index("ix_call_steps_at", "call_steps", ["at"])


def downgrade() -> None:
    op.drop_table("call_steps")
    op.drop_table("calls")
