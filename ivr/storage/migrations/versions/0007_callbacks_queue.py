"""Callers waiting in the agents' queues, and requests to be called back.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "queue_callers",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime, nullable=False),
        sa.Column("average", sa.Integer, nullable=False),
        sa.Column("seen", sa.DateTime, nullable=False),
    )
    op.create_index("ix_queue_callers_queue", "queue_callers", ["queue"])
    op.create_table(
        "callbacks",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("line", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("requested", sa.DateTime, nullable=False),
        sa.Column("due", sa.DateTime),
        sa.Column("done", sa.DateTime),
    )
    op.create_index("ix_callbacks_done", "callbacks", ["done"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_done", table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_index("ix_queue_callers_queue", table_name="queue_callers")
    op.drop_table("queue_callers")
