"""Token expiry (issue 14); tokens made before it have none (NULL) (`schema_version` 3).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tokens", sa.Column("expires_at", sa.Text()))


def downgrade() -> None:
    if "schema_version" in sa.inspect(op.get_bind()).get_table_names():  # below 0006
        op.execute("DELETE FROM schema_version WHERE version = 3")
    # SQLite rebuilds the table, and does not carry an unnamed CHECK over by itself
    role = sa.CheckConstraint("role IN ('admin', 'coordinator', 'liaison')")
    with op.batch_alter_table("tokens", table_args=(role,)) as batch:
        batch.drop_column("expires_at")
