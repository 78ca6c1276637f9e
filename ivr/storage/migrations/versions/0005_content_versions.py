"""Published versions: the operators' prompts/ and data/, numbered, with who published them, when and why, so that
every replica serves the same version and any earlier one can be published again.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_versions",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
    )
    op.create_index("ix_content_versions_digest", "content_versions", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_content_versions_digest", table_name="content_versions")
    op.drop_table("content_versions")
