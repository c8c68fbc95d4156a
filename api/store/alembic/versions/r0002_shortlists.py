"""A shortlist run's shortlists.json (issue 8), beside allocations (`schema_version` 2).

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "shortlists",
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    if "schema_version" in sa.inspect(op.get_bind()).get_table_names():  # below 0006
        op.execute("DELETE FROM schema_version WHERE version = 2")
    op.drop_table("shortlists")
