"""Service records beyond the visit: follow-up calls, complaints, warranty terms, labour fees.

Seeds the default terms of China's "three guarantees" for household appliances (refund within 7 days,
replacement within 15, free repair within a year of purchase) and a labour fee per job type; both are
configurable afterwards.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:38:19.872662
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PRODUCTS = ["air_conditioner", "refrigerator", "washing_machine", "water_heater", "television", "range_hood"]
LABOUR_YUAN = {"repair": "80.00", "install": "100.00", "maintenance": "120.00", "delivery": "50.00"}


def upgrade() -> None:
    op.create_table('service_fee',
    sa.Column('job_type_code', sa.String(length=40), nullable=False),
    sa.Column('labour', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.CheckConstraint('labour >= 0', name=op.f('ck_service_fee_labour_not_negative')),
    sa.ForeignKeyConstraint(['job_type_code'], ['job_type.code'], name=op.f('fk_service_fee_job_type_code_job_type')),
    sa.PrimaryKeyConstraint('job_type_code', name=op.f('pk_service_fee'))
    )
    op.create_table('warranty_term',
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('refund_days', sa.Integer(), nullable=False),
    sa.Column('replace_days', sa.Integer(), nullable=False),
    sa.Column('repair_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('refund_days >= 0 AND replace_days >= refund_days AND repair_days >= replace_days', name=op.f('ck_warranty_term_ordered')),
    sa.ForeignKeyConstraint(['product_code'], ['product_kind.code'], name=op.f('fk_warranty_term_product_code_product_kind')),
    sa.PrimaryKeyConstraint('product_code', name=op.f('pk_warranty_term'))
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('received_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('escalated_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_complaint_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_complaint_job_id_job')),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], name=op.f('fk_complaint_received_by_id_app_user')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['app_user.id'], name=op.f('fk_complaint_resolved_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_escalated_at'), ['escalated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_at'), ['received_at'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('done_at', dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('solved', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('revisit_job_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied', 'neutral', 'unsatisfied')", name=op.f('ck_follow_up_satisfaction_known')),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['app_user.id'], name=op.f('fk_follow_up_assigned_to_id_app_user')),
    sa.ForeignKeyConstraint(['done_by_id'], ['app_user.id'], name=op.f('fk_follow_up_done_by_id_app_user')),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_follow_up_job_id_job'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revisit_job_id'], ['job.id'], name=op.f('fk_follow_up_revisit_job_id_job')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_follow_up_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
    sa.UniqueConstraint('visit_id', name=op.f('uq_follow_up_visit_id'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_done_at'), ['done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_job_id'), ['job_id'], unique=False)

    op.bulk_insert(
        sa.table("warranty_term", sa.column("product_code"), sa.column("refund_days"), sa.column("replace_days"),
                 sa.column("repair_days")),
        [{"product_code": code, "refund_days": 7, "replace_days": 15, "repair_days": 365} for code in PRODUCTS],
    )
    op.bulk_insert(
        sa.table("service_fee", sa.column("job_type_code"), sa.column("labour", sa.Numeric(10, 2))),
        [{"job_type_code": code, "labour": Decimal(amount)} for code, amount in LABOUR_YUAN.items()],
    )


def downgrade() -> None:
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_job_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_due_on'))
        batch_op.drop_index(batch_op.f('ix_follow_up_done_at'))

    op.drop_table('follow_up')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_job_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_escalated_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_customer_id'))

    op.drop_table('complaint')
    op.drop_table('warranty_term')
    op.drop_table('service_fee')
