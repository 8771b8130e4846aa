"""Scheduled tasks: the last run of each (time, duration, outcome or error), for the admin page.

APScheduler keeps its own `apscheduler_jobs` table, which it creates itself when the scheduler starts;
it is not part of this schema.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_run',
    sa.Column('task_id', sa.String(length=60), nullable=False),
    sa.Column('started_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Double(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_task_run'))
    )


def downgrade() -> None:
    op.drop_table('task_run')
