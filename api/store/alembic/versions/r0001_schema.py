"""The whole schema of the first service (tokens, instances and their zips, runs, allocations,
decisions): what `schema_version` 1 was before Alembic.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# ids: SQLite's INTEGER PRIMARY KEY (the rowid), 64-bit on PostgreSQL (BIGSERIAL)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("region", sa.Text()),
        sa.Column("providers", sa.Text(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("token_hash", sa.Text(), nullable=False, unique=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.Text()),
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'liaison')"),
    )
    op.create_table(
        "instances",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("week", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("parent_instance_id", ID, sa.ForeignKey("instances.id")),
        sa.Column("parent_run_id", ID),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text()),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("size", ID, nullable=False),
        sa.Column("providers", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
    )
    op.create_table(
        "instance_files",
        sa.Column("instance_id", ID, sa.ForeignKey("instances.id"), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("instance_id", ID, sa.ForeignKey("instances.id"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Text()),
        sa.Column("finished_at", sa.Text()),
        sa.Column("progress", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("cancel_requested", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("claim", sa.Text()),
        sa.Column("worker_pid", sa.Integer()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("decisions_upto", ID),
        sa.Column("published_at", sa.Text()),
        sa.Column("published_by", sa.Text()),
    )
    op.create_index("runs_by_status", "runs", ["status", "id"])
    op.create_index("runs_by_instance", "runs", ["instance_id", "id"])
    op.create_table(
        "allocations",
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("instance_id", ID, sa.ForeignKey("instances.id"), nullable=False),
        sa.Column("run_id", ID, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("placement_id", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("by_name", sa.Text(), nullable=False),
        sa.Column("by_token", ID),
        sa.Column("at", sa.Text(), nullable=False),
        sa.CheckConstraint("decision IN ('accept', 'reject')"),
    )
    op.create_index("decisions_by_instance", "decisions", ["instance_id", "id"])


def downgrade() -> None:
    for table in ("decisions", "allocations", "runs", "instance_files", "instances", "tokens"):
        op.drop_table(table)
    op.execute("DROP TABLE IF EXISTS schema_version")  # brought back below 0006
