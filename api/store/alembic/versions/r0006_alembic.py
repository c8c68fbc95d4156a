"""Alembic takes over from the numbered `schema_version` table (issue 18): the table goes; a
downgrade brings it back as versions 1–5, the schema the service had before, which that
service opens as its own.

Revision ID: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS schema_version")


def downgrade() -> None:
    op.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    op.execute("INSERT INTO schema_version (version) VALUES (1), (2), (3), (4), (5)")
