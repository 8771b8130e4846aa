"""Schema migrations: empty -> head -> base -> head, and head matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from dispatch.db import current_revision, downgrade, make_engine, upgrade
from dispatch.models import Base


def test_up_and_down_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An empty database migrates to head (seeded), back to base (no tables), and to head again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) is not None
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        products = connection.execute(text("SELECT code FROM product_kind ORDER BY code")).scalars().all()
        job_types = connection.execute(text("SELECT code FROM job_type ORDER BY code")).scalars().all()
    assert products == [
        "air_conditioner",
        "range_hood",
        "refrigerator",
        "television",
        "washing_machine",
        "water_heater",
    ]
    assert job_types == ["delivery", "install", "maintenance", "repair"]
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) is not None


def test_head_matches_the_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate finds nothing to add: every model change came with a migration."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """File databases journal with WAL and enforce foreign keys."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
