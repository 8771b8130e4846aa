"""Alembic environment: runs migrations on the engine handed over by `dispatch.db`."""

from __future__ import annotations

from alembic import context

from dispatch.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode recreates tables.
        compare_type=True,
    )
    context.run_migrations()
