"""Ratings and text messages: calls gain the caller's rating of the agent's service; accounts gain their registered
mobile sealed (readable with the key, to text it); the texts table is the outbox of text messages and their results.

Existing accounts have no sealed mobile until the accounts file is loaded again (`ivr load-demo --replace`); until
then their callers hear that no mobile is registered for texts.

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain added columns: on SQLite anything that copies the accounts table would delete the payment records
    # through their ON DELETE CASCADE (see 0004).
    op.add_column("accounts", sa.Column("mobile_sealed", sa.String(120)))
    op.add_column("calls", sa.Column("rating", sa.String(16)))
    op.add_column("calls", sa.Column("rated", sa.DateTime))
    op.create_table(
        "texts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("to_sealed", sa.String(120), nullable=False),
        sa.Column("from_number", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("message_sid", sa.String(64)),
        sa.Column("error_code", sa.Integer),
        sa.Column("error", sa.String(200)),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("updated", sa.DateTime, nullable=False),
    )
    for column in ("call_sid", "status", "created"):
        op.create_index(f"ix_texts_{column}", "texts", [column])


def downgrade() -> None:
    for column in ("call_sid", "status", "created"):
        op.drop_index(f"ix_texts_{column}", table_name="texts")
    op.drop_table("texts")
    op.drop_column("calls", "rated")
    op.drop_column("calls", "rating")
    op.drop_column("accounts", "mobile_sealed")
