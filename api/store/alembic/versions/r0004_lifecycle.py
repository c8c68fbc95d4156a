"""The placement lifecycle (issue 17): early ends, outcomes and follow-ups of ended placements,
each with who and when; the latest row of a key counts, history is kept (`schema_version` 4).

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("placement_ends", "outcomes", "followups")


def _about_a_placement() -> list[sa.Column]:
    """The columns every lifecycle row starts with: its id, the published run, the pair."""
    return [
        sa.Column("id", ID, primary_key=True),
        sa.Column("instance_id", ID, sa.ForeignKey("instances.id"), nullable=False),
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("placement_id", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("end_week", sa.Text(), nullable=False),
    ]


def _who_and_when() -> list[sa.Column]:
    return [
        sa.Column("by_name", sa.Text(), nullable=False),
        sa.Column("by_token", ID),
        sa.Column("at", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "placement_ends",
        *_about_a_placement(),
        sa.Column("reason", sa.Text(), nullable=False),
        *_who_and_when(),
    )
    op.create_table(
        "outcomes",
        *_about_a_placement(),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=sa.text("''")),
        *_who_and_when(),
    )
    op.create_table(
        "followups",
        *_about_a_placement(),
        sa.Column("months_after", sa.Integer(), nullable=False),
        sa.Column("still_employed", sa.Text(), nullable=False),
        sa.Column("followup_date", sa.Text(), nullable=False),
        *_who_and_when(),
        sa.CheckConstraint("still_employed IN ('yes', 'no', 'unknown')"),
    )
    for table in TABLES:
        op.create_index(f"{table}_by_instance", table, ["instance_id", "id"])


def downgrade() -> None:
    if "schema_version" in sa.inspect(op.get_bind()).get_table_names():  # below 0006
        op.execute("DELETE FROM schema_version WHERE version = 4")
    for table in reversed(TABLES):
        op.drop_table(table)
