"""Registered mobiles: accounts gain mobile_hash, the keyed hash of the mobile number registered on the account, so
that a caller from it can be asked for the password alone. The number itself is never stored.

Existing accounts have no registered mobile until their accounts file gives one and is loaded again.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column and index rather than anything that makes SQLite copy the table: dropping the old copy would
    # delete every payment record through their ON DELETE CASCADE. Not unique: one number may serve several accounts.
    op.add_column("accounts", sa.Column("mobile_hash", sa.String(64)))
    op.create_index("ix_accounts_mobile_hash", "accounts", ["mobile_hash"])


def downgrade() -> None:
    op.drop_index("ix_accounts_mobile_hash", table_name="accounts")
    op.drop_column("accounts", "mobile_hash")
