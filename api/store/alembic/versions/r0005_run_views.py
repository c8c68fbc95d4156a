"""A done run's precomputed answers (api/store/run_views.py), served as stored; one row per
run and view name, stamped with the run's finish (`schema_version` 5).

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_views",
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("stamp", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "name"),
    )


def downgrade() -> None:
    if "schema_version" in sa.inspect(op.get_bind()).get_table_names():  # below 0006
        op.execute("DELETE FROM schema_version WHERE version = 5")
    op.drop_table("run_views")
