"""An index for the managers' dashboard: the jobs of a date range with their status and filters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 21:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_dashboard", ["received_at", "status", "product_code", "job_type_code", "priority"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_dashboard")
