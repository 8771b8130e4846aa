"""Alembic environment: runs migrations on the engine handed over by `dispatch.db`."""

from __future__ import annotations

from alembic import context

from dispatch.models import Base

config = context.config
engine = config.attributes["engine"]


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out APScheduler's own job table: it lives in the same database, but the scheduler owns it."""
    return not (type_ == "table" and name == "apscheduler_jobs")


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode recreates tables.
        compare_type=True,
        include_object=include_object,
    )
    context.run_migrations()
