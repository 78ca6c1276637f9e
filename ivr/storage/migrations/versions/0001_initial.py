"""Accounts, payment records, password failures, locks and call state, as the first release created them.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("balance_fen", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("last_credit_date", sa.Date),
        sa.Column("last_credit_fen", sa.Integer),
        sa.Column("pension_fen", sa.Integer),
        sa.Column("months_paid_before", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id_number", sa.String(18), sa.ForeignKey("accounts.id_number", ondelete="CASCADE"), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("paid", sa.Boolean, nullable=False),
        sa.Column("base_fen", sa.Integer),
        sa.Column("individual_fen", sa.Integer),
        sa.Column("employer_fen", sa.Integer),
        sa.Column("credited_fen", sa.Integer),
    )
    op.create_table(
        "password_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_password_failures_id_number", "password_failures", ["id_number"])
    op.create_table(
        "locks",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "call_states",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime, nullable=False),
    )
    op.create_index("ix_call_states_updated", "call_states", ["updated"])


def downgrade() -> None:
    for table in ("call_states", "locks", "password_failures", "records", "accounts"):
        op.drop_table(table)
