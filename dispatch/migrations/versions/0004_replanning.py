"""Re-planning the present: re-plan requests, breaks taken, changed-route badges.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:44:52.573101
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('technician_break',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('start', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('end', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_technician_break_technician_id_technician'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technician_break'))
    )
    with op.batch_alter_table('technician_break', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technician_break_technician_id'), ['technician_id'], unique=False)

    op.create_table('replan_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('handled_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_replan_request_job_id_job')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_replan_request_technician_id_technician')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replan_request'))
    )
    with op.batch_alter_table('replan_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replan_request_requested_at'), ['requested_at'], unique=False)

    with op.batch_alter_table('day_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replanned_state', sa.String(length=80), nullable=True))

    with op.batch_alter_table('plan_route', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('seen_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('day_plan', schema=None) as batch_op:
        batch_op.drop_column('replanned_state')

    with op.batch_alter_table('plan_route', schema=None) as batch_op:
        batch_op.drop_column('seen_at')
        batch_op.drop_column('changed')

    with op.batch_alter_table('replan_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replan_request_requested_at'))

    op.drop_table('replan_request')
    with op.batch_alter_table('technician_break', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technician_break_technician_id'))

    op.drop_table('technician_break')
