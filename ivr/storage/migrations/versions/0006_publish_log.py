"""The audit log of publishing: who published or rolled back which version, when, and from where (command or page).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publish_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("source", sa.Integer),
        sa.Column("via", sa.String(16), nullable=False),
    )
    op.create_index("ix_publish_log_number", "publish_log", ["number"])


def downgrade() -> None:
    op.drop_index("ix_publish_log_number", table_name="publish_log")
    op.drop_table("publish_log")
