"""Users: sign-in accounts with a role, technicians linked to their record, API token hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:46:19.947247
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('api_token_hash', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'technician') = (technician_id IS NOT NULL)", name=op.f('ck_app_user_technician_link')),
    sa.CheckConstraint("role IN ('dispatcher', 'technician', 'manager', 'admin')", name=op.f('ck_app_user_role_known')),
    sa.ForeignKeyConstraint(['technician_id'], ['technician.id'], name=op.f('fk_app_user_technician_id_technician')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('api_token_hash', name=op.f('uq_app_user_api_token_hash')),
    sa.UniqueConstraint('technician_id', name=op.f('uq_app_user_technician_id')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )



def downgrade() -> None:

    op.drop_table('app_user')

