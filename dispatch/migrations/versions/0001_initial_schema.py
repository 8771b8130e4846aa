"""Initial schema, with the product and job-type vocabularies seeded.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:42:13.181901
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PRODUCT_KINDS = [
    ("air_conditioner", "空调", "Air conditioner"),
    ("refrigerator", "冰箱", "Refrigerator"),
    ("washing_machine", "洗衣机", "Washing machine"),
    ("water_heater", "热水器", "Water heater"),
    ("television", "电视", "Television"),
    ("range_hood", "油烟机", "Range hood"),
]
JOB_TYPES = [
    ("repair", "维修", "Repair"),
    ("install", "安装", "Install"),
    ("maintenance", "保养", "Maintenance"),
    ("delivery", "送货", "Delivery"),
]


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("district", sa.String(length=80), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("location_approximate", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customer_external_id")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_district"), ["district"], unique=False)

    op.create_table(
        "depot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depot")),
        sa.UniqueConstraint("external_id", name=op.f("uq_depot_external_id")),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("looked_up_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address", "provider", name=op.f("pk_geocode_cache")),
    )
    op.create_table(
        "job_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_job_type")),
    )
    op.create_table(
        "marker",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_marker")),
    )
    op.create_table(
        "product_kind",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_product_kind")),
    )
    op.create_table(
        "scenario",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("start", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("end", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("target_hours", sa.Double(), nullable=False),
        sa.Column("promise_hours", sa.Double(), nullable=False),
        sa.Column("road_factor", sa.Double(), nullable=False),
        sa.Column("speed_kmh", sa.Double(), nullable=False),
        sa.Column("shift_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scenario")),
    )
    op.create_table(
        "customer_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_phone_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_phone")),
        sa.UniqueConstraint("customer_id", "number", name="uq_customer_phone"),
    )
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_phone_number"), ["number"], unique=False)

    op.create_table(
        "owned_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("warranty_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_owned_product_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_code"], ["product_kind.code"], name=op.f("fk_owned_product_product_code_product_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owned_product")),
        sa.UniqueConstraint("external_id", name=op.f("uq_owned_product_external_id")),
    )
    with op.batch_alter_table("owned_product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owned_product_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_owned_product_serial"), ["serial"], unique=False)

    op.create_table(
        "part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_code"], ["product_kind.code"], name=op.f("fk_part_product_code_product_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part")),
        sa.UniqueConstraint("code", name=op.f("uq_part_code")),
    )
    op.create_table(
        "technician",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["depot_id"], ["depot.id"], name=op.f("fk_technician_depot_id_depot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician")),
        sa.UniqueConstraint("external_id", name=op.f("uq_technician_external_id")),
    )
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
            name=op.f("fk_absence_technician_id_technician"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absence_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owned_product_id", sa.Integer(), nullable=True),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("job_type_code", sa.String(length=40), nullable=False),
        sa.Column("fault_description", sa.Text(), nullable=False),
        sa.Column("received_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("target_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("promise_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("window_start", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("window_end", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("actual_duration_min", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("warranty", sa.String(length=20), nullable=False),
        sa.Column("parts_expected", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("scenario", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "priority IN ('normal', 'urgent', 'complaint')", name=op.f("ck_job_priority_known")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'planned', 'dispatched', 'en_route', 'on_site', 'completed', 'cancelled', 'needs_revisit')",
            name=op.f("ck_job_status_known"),
        ),
        sa.CheckConstraint(
            "warranty IN ('repair', 'replace', 'refund', 'paid')", name=op.f("ck_job_warranty_known")
        ),
        sa.CheckConstraint("duration_min > 0", name=op.f("ck_job_duration_positive")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_job_customer_id_customer")),
        sa.ForeignKeyConstraint(
            ["job_type_code"], ["job_type.code"], name=op.f("fk_job_job_type_code_job_type")
        ),
        sa.ForeignKeyConstraint(
            ["owned_product_id"], ["owned_product.id"], name=op.f("fk_job_owned_product_id_owned_product")
        ),
        sa.ForeignKeyConstraint(
            ["product_code"], ["product_kind.code"], name=op.f("fk_job_product_code_product_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("external_id", name=op.f("uq_job_external_id")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_scenario"), ["scenario"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_status"), ["status"], unique=False)

    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("start", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("end", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("break_earliest", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("break_latest", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
            name=op.f("fk_shift_technician_id_technician"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift")),
    )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("job_type_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_type_code"], ["job_type.code"], name=op.f("fk_skill_job_type_code_job_type")
        ),
        sa.ForeignKeyConstraint(
            ["product_code"], ["product_kind.code"], name=op.f("fk_skill_product_code_product_kind")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
            name=op.f("fk_skill_technician_id_technician"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill")),
        sa.UniqueConstraint("technician_id", "product_code", "job_type_code", name="uq_skill"),
    )
    op.create_table(
        "stock_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(depot_id IS NULL) <> (technician_id IS NULL)", name=op.f("ck_stock_level_one_location")
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_level_not_negative")),
        sa.ForeignKeyConstraint(["depot_id"], ["depot.id"], name=op.f("fk_stock_level_depot_id_depot")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_stock_level_part_id_part")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_stock_level_technician_id_technician")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_level")),
        sa.UniqueConstraint("part_id", "depot_id", "technician_id", name="uq_stock_level_location"),
    )
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_level_part_id"), ["part_id"], unique=False)

    op.create_table(
        "weekly_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("break_earliest", sa.Time(), nullable=True),
        sa.Column("break_latest", sa.Time(), nullable=True),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("break_minutes >= 0", name=op.f("ck_weekly_shift_break_not_negative")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_weekly_shift_weekday_range")),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
            name=op.f("fk_weekly_shift_technician_id_technician"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_shift")),
        sa.UniqueConstraint("technician_id", "weekday", name="uq_weekly_shift"),
    )
    op.create_table(
        "job_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", dispatch.models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_event_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_event")),
    )
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_event_job_id"), ["job_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("planned_arrival", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("planned_start", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("planned_end", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("en_route_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("started_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", dispatch.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("fault_found", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("satisfaction", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('fixed', 'not_fixed', 'replaced', 'refunded', 'installed_tested', 'customer_not_home', 'rescheduled_by_customer')",
            name=op.f("ck_visit_outcome_known"),
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction IN ('satisfied', 'neutral', 'unsatisfied')",
            name=op.f("ck_visit_satisfaction_known"),
        ),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_visit_job_id_job"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_visit_technician_id_technician")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
        sa.UniqueConstraint("external_id", name=op.f("uq_visit_external_id")),
        sa.UniqueConstraint("job_id", "number", name="uq_visit_number"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "visit_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_visit_part_quantity_positive")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_visit_part_part_id_part")),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_visit_part_visit_id_visit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_part")),
    )
    with op.batch_alter_table("visit_part", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_part_visit_id"), ["visit_id"], unique=False)

    op.bulk_insert(
        sa.table("product_kind", sa.column("code"), sa.column("name_zh"), sa.column("name_en")),
        [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in PRODUCT_KINDS],
    )
    op.bulk_insert(
        sa.table("job_type", sa.column("code"), sa.column("name_zh"), sa.column("name_en")),
        [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in JOB_TYPES],
    )


def downgrade() -> None:
    with op.batch_alter_table("visit_part", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_part_visit_id"))

    op.drop_table("visit_part")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_technician_id"))
        batch_op.drop_index(batch_op.f("ix_visit_job_id"))

    op.drop_table("visit")
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_event_job_id"))

    op.drop_table("job_event")
    op.drop_table("weekly_shift")
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_level_part_id"))

    op.drop_table("stock_level")
    op.drop_table("skill")
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_technician_id"))

    op.drop_table("shift")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_status"))
        batch_op.drop_index(batch_op.f("ix_job_scenario"))
        batch_op.drop_index(batch_op.f("ix_job_received_at"))
        batch_op.drop_index(batch_op.f("ix_job_customer_id"))

    op.drop_table("job")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_technician_id"))

    op.drop_table("absence")
    op.drop_table("technician")
    op.drop_table("part")
    with op.batch_alter_table("owned_product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owned_product_serial"))
        batch_op.drop_index(batch_op.f("ix_owned_product_customer_id"))

    op.drop_table("owned_product")
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_phone_number"))

    op.drop_table("customer_phone")
    op.drop_table("scenario")
    op.drop_table("product_kind")
    op.drop_table("marker")
    op.drop_table("job_type")
    op.drop_table("geocode_cache")
    op.drop_table("depot")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_district"))

    op.drop_table("customer")
