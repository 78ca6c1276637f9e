"""Keyed hashes instead of ID numbers: accounts gain id_hash, locks refer to it, and wrong passwords are counted per
ID and per calling number in password_guards (one row each, updated in one statement) instead of password_failures.

The hashes need the password key, which lives outside the database: ivr.storage.migrate hands the hashing function
in as the config attribute "reference".

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _reference():
    reference = context.config.attributes.get("reference")
    if reference is None:
        raise RuntimeError("migration 0003 needs the password key (IVR_PASSWORD_KEY) to hash the ID numbers it keeps")
    return reference


def upgrade() -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id_number FROM accounts"))]
    # Read through the reflected table, so that SQLite's text dates come back as datetimes.
    old_locks = sa.Table("locks", sa.MetaData(), autoload_with=conn)
    locked = conn.execute(sa.select(old_locks.c.id_number, old_locks.c.at)).all()
    reference = _reference() if ids or locked else None
    # A column and an index, not a constraint: SQLite would copy the table for a constraint, and dropping the old
    # copy would delete every payment record through their ON DELETE CASCADE.
    op.add_column("accounts", sa.Column("id_hash", sa.String(64)))
    op.create_index("ix_accounts_id_hash", "accounts", ["id_hash"], unique=True)
    for id_number in ids:
        conn.execute(sa.text("UPDATE accounts SET id_hash = :h WHERE id_number = :id"),
                     {"h": reference("id", id_number), "id": id_number})
    op.drop_table("locks")
    locks = op.create_table(
        "locks",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    if locked:
        op.bulk_insert(locks, [{"subject": reference("id", id_number), "at": at} for id_number, at in locked])
    # Counts within the window are not carried over: at worst an ID gets its attempts afresh once, at the upgrade.
    op.drop_table("password_failures")
    op.create_table(
        "password_guards",
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("since", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    raise RuntimeError("ID numbers cannot be recovered from their keyed hashes; restore a backup to go back")
