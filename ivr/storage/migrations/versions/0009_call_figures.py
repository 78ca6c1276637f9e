"""What the operators' dashboard counts per call: its line, whether the simulator made it, whether its caller was
identified and whether it reached an agent; and per step, the re-prompt it gave (a wrong key or a time-out).

Revision ID: 0009
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("line", sa.String(32)))
        batch.add_column(sa.Column("simulated", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("identified", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("transferred", sa.DateTime))
    with op.batch_alter_table("call_steps") as batch:
        batch.add_column(sa.Column("miss", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("call_steps") as batch:
        batch.drop_column("miss")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("transferred")
        batch.drop_column("identified")
        batch.drop_column("simulated")
        batch.drop_column("line")
