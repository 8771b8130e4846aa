"""Customer messages: the outbox (confirmations, on-the-way, delay notices) and customers' e-mail addresses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:45:53.127803
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.CheckConstraint("channel IN ('log', 'email', 'sms', 'wechat')", name=op.f('ck_outbox_message_channel_known')),
    sa.CheckConstraint("kind IN ('confirmation', 'on_the_way', 'delay')", name=op.f('ck_outbox_message_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_outbox_message_status_known')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_outbox_message_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_outbox_message_job_id_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status'], unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), server_default='', nullable=False))



def downgrade() -> None:
    # SQLite >= 3.35 drops the column in place; recreating `customer` would cascade to its phones
    # and products, or fail on the jobs that reference it, since foreign keys are enforced.
    with op.batch_alter_table('customer', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_job_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_customer_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_created_at'))

    op.drop_table('outbox_message')
