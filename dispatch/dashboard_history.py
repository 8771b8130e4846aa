"""A seeded, generated service history for the dashboard benchmark: months of jobs, visits, parts,
follow-ups, complaints and published plans, written with bulk inserts. Layer: dispatch.

The figures are plausible rather than realistic (response times drawn from an exponential tail, a
few revisits, a few calls at night); what matters is the volume and that every table the dashboard
reads is filled. The same seed gives the same history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dispatch.models import (
    Complaint,
    Customer,
    DayPlan,
    Depot,
    FollowUp,
    Job,
    Part,
    PlanRoute,
    PlanStop,
    PlanVersion,
    Technician,
    Visit,
    VisitPart,
    WeeklyShift,
)

DISTRICTS = ("天河区", "越秀区", "海珠区", "荔湾区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区", "增城区")
PRODUCTS = ("air_conditioner", "refrigerator", "washing_machine", "water_heater", "television", "range_hood")
JOB_TYPES = ("repair", "install", "maintenance", "delivery")
PRIORITIES = (("normal", 0.85), ("urgent", 0.1), ("complaint", 0.05))
# First-visit outcomes and their weights; the ones that do not finish the job get a second visit.
OUTCOMES = (("fixed", 0.83), ("installed_tested", 0.05), ("not_fixed", 0.07), ("customer_not_home", 0.05))
VERDICTS = (("satisfied", 0.8), ("neutral", 0.14), ("unsatisfied", 0.06))
CHUNK = 5000


@dataclass
class _Rows:
    """Rows per model, in insertion order (parents first)."""

    by_model: dict[type, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type, **values: Any) -> None:
        self.by_model.setdefault(model, []).append(values)

    def count(self, model: type) -> int:
        return len(self.by_model.get(model, []))


@dataclass(frozen=True)
class HistorySize:
    """How many rows of each kind the history holds."""

    days: int
    technicians: int
    jobs: int
    visits: int


def generate_dashboard_history(
    session: Session,
    last_day: date,
    tz: ZoneInfo,
    days: int = 90,
    jobs: int = 50_000,
    technicians: int = 110,
    seed: int = 1,
) -> HistorySize:
    """Write `jobs` jobs received over the `days` days ending `last_day`, with everything that hangs off them."""
    rng = random.Random(seed)
    rows = _Rows()
    first_day = last_day - timedelta(days=days - 1)
    created = datetime.combine(first_day, time(0), tzinfo=tz)
    _staff(rows, technicians, created)
    for n in range(1, max(1, jobs // 10) + 1):
        rows.add(
            Customer, id=n, external_id=f"HC{n}", name=f"客户{n}", district=rng.choice(DISTRICTS), created_at=created
        )
    for n in range(1, 9):
        rows.add(Part, id=n, code=f"HP-{n}", name=f"配件{n}", unit_price=Decimal(20 * n))
    stops: dict[tuple[date, int], list[tuple[int, datetime]]] = {}
    for n in range(1, jobs + 1):
        received = _received(rng, first_day, days, tz)
        _job(rng, rows, n, received, technicians, stops, last_day, tz)
    _plans(rng, rows, stops, created)
    for model, values in rows.by_model.items():
        for start in range(0, len(values), CHUNK):
            session.execute(insert(model), values[start : start + CHUNK])
    return HistorySize(days, technicians, rows.count(Job), rows.count(Visit))


def _staff(rows: _Rows, technicians: int, created: datetime) -> None:
    rows.add(Depot, id=1, external_id="HD1", name="天河服务中心", lat=23.13, lon=113.33)
    for n in range(1, technicians + 1):
        rows.add(Technician, id=n, external_id=f"HT{n}", name=f"师傅{n}", depot_id=1)
        for weekday in range(7):
            rows.add(
                WeeklyShift,
                technician_id=n,
                weekday=weekday,
                start=time(8),
                end=time(18),
                break_earliest=time(12),
                break_latest=time(13, 30),
                break_minutes=60,
            )


def _received(rng: random.Random, first_day: date, days: int, tz: ZoneInfo) -> datetime:
    """Mostly office hours, one call in twenty at night."""
    day = first_day + timedelta(days=rng.randrange(days))
    hour = rng.uniform(7, 21) if rng.random() > 0.05 else rng.uniform(0, 7)
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=hour)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _job(
    rng: random.Random,
    rows: _Rows,
    n: int,
    received: datetime,
    technicians: int,
    stops: dict[tuple[date, int], list[tuple[int, datetime]]],
    last_day: date,
    tz: ZoneInfo,
) -> None:
    """One job; unless cancelled or still open at the end, one or two visits with their records."""
    windowed = rng.random() < 0.1
    window_start = received + timedelta(hours=rng.uniform(6, 30)) if windowed else None
    status = "completed"
    cancelled = rng.random() < 0.02
    still_open = received.astimezone(tz).date() == last_day and rng.random() < 0.4
    if cancelled or still_open:
        status = "cancelled" if cancelled else "new"
    rows.add(
        Job,
        id=n,
        external_id=f"HJ{n}",
        customer_id=rng.randrange(1, max(1, rows.count(Customer)) + 1),
        product_code=rng.choice(PRODUCTS),
        job_type_code=rng.choice(JOB_TYPES),
        received_at=received,
        target_at=received + timedelta(hours=6),
        promise_at=received + timedelta(hours=24),
        window_start=window_start,
        window_end=None if window_start is None else window_start + timedelta(hours=2),
        duration_min=60,
        priority=_pick(rng, PRIORITIES),
        status=status,
        status_changed_at=received,
    )
    if status == "completed":
        first_arrival = (window_start or received) + timedelta(minutes=15 + rng.expovariate(1 / 180))
        outcome = _pick(rng, OUTCOMES)
        technician = rng.randrange(1, technicians + 1)
        _visit(rng, rows, n, 1, technician, received, first_arrival, outcome, stops, tz)
        if outcome in ("not_fixed", "customer_not_home"):
            _visit(rng, rows, n, 2, technician, received, first_arrival + timedelta(days=1), "fixed", stops, tz)
        if rng.random() < 0.01:
            rows.add(
                Complaint,
                customer_id=rows.by_model[Job][-1]["customer_id"],
                job_id=n,
                received_at=first_arrival + timedelta(hours=30),
                text="上门太晚",
            )


def _visit(
    rng: random.Random,
    rows: _Rows,
    job: int,
    number: int,
    technician: int,
    received: datetime,
    arrival: datetime,
    outcome: str,
    stops: dict[tuple[date, int], list[tuple[int, datetime]]],
    tz: ZoneInfo,
) -> None:
    visit = rows.count(Visit) + 1
    planned = arrival - timedelta(minutes=rng.uniform(-15, 45))
    completed = arrival + timedelta(minutes=rng.uniform(30, 120))
    finishes = outcome in ("fixed", "installed_tested")
    rows.add(
        Visit,
        id=visit,
        job_id=job,
        technician_id=technician,
        number=number,
        planned_arrival=planned,
        dispatched_at=min(planned, received + timedelta(minutes=rng.uniform(5, 90))),
        en_route_at=arrival - timedelta(minutes=rng.uniform(10, 45)),
        arrived_at=arrival,
        started_at=arrival,
        completed_at=completed,
        outcome=outcome,
        satisfaction=_pick(rng, VERDICTS) if finishes else None,
    )
    stops.setdefault((planned.astimezone(tz).date(), technician), []).append((job, planned))
    if finishes and rng.random() < 0.4:
        rows.add(VisitPart, visit_id=visit, part_id=rng.randrange(1, 9), quantity=rng.choice((1, 1, 2)))
    if finishes:
        done = completed + timedelta(days=1) if rng.random() < 0.9 else None
        rows.add(
            FollowUp,
            job_id=job,
            visit_id=visit,
            due_on=(completed + timedelta(days=1)).astimezone(tz).date(),
            created_at=completed,
            done_at=done,
            reached=None if done is None else True,
        )


def _plans(
    rng: random.Random, rows: _Rows, stops: dict[tuple[date, int], list[tuple[int, datetime]]], created: datetime
) -> None:
    """One published plan version per day, a route per technician with its planned stops."""
    versions: dict[date, int] = {}
    for (day, technician), planned in sorted(stops.items()):
        if day not in versions:
            versions[day] = len(versions) + 1
            rows.add(PlanVersion, id=versions[day], day=day, number=1, status="published", created_at=created)
            rows.add(DayPlan, day=day, published_version_id=versions[day], revision=1)
        route = rows.count(PlanRoute) + 1
        ordered = sorted(planned, key=lambda stop: stop[1])
        rows.add(
            PlanRoute,
            id=route,
            version_id=versions[day],
            technician_id=technician,
            depart=ordered[0][1] - timedelta(minutes=30),
            back=ordered[-1][1] + timedelta(hours=2),
            distance_m=int(rng.uniform(6_000, 14_000) * (len(ordered) + 1)),
        )
        for position, (job, arrival) in enumerate(ordered):
            end = arrival + timedelta(hours=1)
            rows.add(PlanStop, route_id=route, position=position, job_id=job, arrival=arrival, start=arrival, end=end)
