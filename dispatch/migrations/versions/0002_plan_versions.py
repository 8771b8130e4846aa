"""Plan versions of a day: routes, stops, unassigned jobs; the day's published version and revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:41:45.661073
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('published_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'superseded')", name=op.f('ck_plan_version_status_known')),
    sa.ForeignKeyConstraint(['based_on_id'], ['plan_version.id'], name=op.f('fk_plan_version_based_on_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('day', 'number', name='uq_plan_version_day_number')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_day'), ['day'], unique=False)

    op.create_table('day_plan',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_version_id'], ['plan_version.id'], name=op.f('fk_day_plan_published_version_id_plan_version')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_day_plan'))
    )
    op.create_table('plan_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('depart', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('back', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('break_start', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('break_end', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_plan_route_technician_id_technician')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_route_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_route')),
    sa.UniqueConstraint('version_id', 'technician_id', name='uq_plan_route_technician')
    )
    with op.batch_alter_table('plan_route', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_route_version_id'), ['version_id'], unique=False)

    op.create_table('plan_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('arrival', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('start', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('end', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_plan_stop_job_id_job')),
    sa.ForeignKeyConstraint(['route_id'], ['plan_route.id'], name=op.f('fk_plan_stop_route_id_plan_route'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_stop')),
    sa.UniqueConstraint('route_id', 'position', name='uq_plan_stop_position')
    )
    with op.batch_alter_table('plan_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_stop_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_stop_route_id'), ['route_id'], unique=False)

    op.create_table('plan_unassigned',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_plan_unassigned_job_id_job')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_unassigned_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_unassigned'))
    )
    with op.batch_alter_table('plan_unassigned', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_unassigned_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    op.drop_table('day_plan')
    with op.batch_alter_table('plan_unassigned', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_unassigned_version_id'))

    op.drop_table('plan_unassigned')
    with op.batch_alter_table('plan_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_stop_route_id'))
        batch_op.drop_index(batch_op.f('ix_plan_stop_job_id'))

    op.drop_table('plan_stop')
    with op.batch_alter_table('plan_route', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_route_version_id'))

    op.drop_table('plan_route')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_day'))

    op.drop_table('plan_version')
