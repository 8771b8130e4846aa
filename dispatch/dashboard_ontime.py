"""On-time counts of the dashboard, by day, technician, district, product, job type and priority, and
the response and lateness histograms: one SQL statement. Layer: dispatch.

The rules (data/scenarios/README.md, "Replay rules"): a job's first arrival (its visit number 1)
counts. Without a window the job is on target when it arrives by `target_at` and within promise by
`promise_at`; with a window both deadlines are the window's end. Cancelled jobs are not counted. An
unserved job whose deadline has passed counts as neither (a miss); an unserved job whose deadline is
still ahead at `now` is *pending* and left out of that rate's denominator, since it may still make it
(a job can be pending for the promise and already a miss of the target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, ColumnElement, Select, String, and_, case, cast, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import Session

from dispatch.dashboard_sql import DashboardFilter, at, day_bucket, first_fixed, flag, job_facts, minutes_between
from dispatch.models import JobStatus

BREAKDOWNS = ("day", "technician", "district", "product", "job_type", "priority")
HISTOGRAMS = ("response", "lateness")
# Upper edges of the response-time bins, in hours (the last bin is open).
RESPONSE_EDGES_H = (1, 2, 3, 4, 5, 6, 12, 24)
# Upper edges of the lateness bins, in minutes past the target (the last bin is open).
LATENESS_EDGES_MIN = (30, 60, 120, 240, 480, 1080)
# Minutes come from floating-point day arithmetic (julianday on SQLite): exactly one hour may read as
# 60.0000001. A tenth of a second's tolerance keeps such a value in the bin it belongs to.
ROUNDING_MIN = 1 / 600


@dataclass(frozen=True)
class OnTime:
    """Counts of one group of jobs (a day, a technician, ...; key "" for jobs with no value, e.g. unvisited).

    `target_due` and `promise_due` are the rates' denominators: jobs served, or unserved past that deadline.
    """

    key: str
    jobs: int
    served: int
    target_due: int
    on_target: int
    promise_due: int
    within_promise: int
    missed: int  # unserved, promise past
    response_min_sum: float  # first arrival minus receipt, over served jobs without window
    response_n: int
    completed: int
    first_fixed: int

    @property
    def pending(self) -> int:
        """Unserved jobs whose promise is still ahead."""
        return self.jobs - self.served - self.missed

    @property
    def on_target_rate(self) -> float | None:
        return share(self.on_target, self.target_due)

    @property
    def within_promise_rate(self) -> float | None:
        return share(self.within_promise, self.promise_due)

    @property
    def response_avg_min(self) -> float | None:
        return self.response_min_sum / self.response_n if self.response_n else None

    @property
    def first_time_fix_rate(self) -> float | None:
        """Completed jobs finished by their first visit."""
        return share(self.first_fixed, self.completed)


# The fields of OnTime after the key, in order: the columns of each grouped row.
COUNTS = (
    "jobs",
    "served",
    "target_due",
    "on_target",
    "promise_due",
    "within_promise",
    "missed",
    "response_min_sum",
    "response_n",
    "completed",
    "first_fixed",
)


@dataclass(frozen=True)
class OnTimeTables:
    """The breakdowns (each in key order), the two histograms and the ids of the worst misses."""

    breakdowns: dict[str, list[OnTime]]
    response_h: Histogram
    lateness_min: Histogram
    worst_ids: list[int]  # furthest past the target first


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; `edges` are the bins' upper bounds, the last bin is open."""

    edges: tuple[int, ...]
    counts: tuple[int, ...]


def share(part: float, whole: float) -> float | None:
    """part / whole, None when there is nothing to divide by."""
    return part / whole if whole else None


def total(rows: Sequence[OnTime]) -> OnTime:
    """The counts of all the groups together."""
    return on_time_of("", [sum(getattr(r, name) for r in rows) for name in COUNTS])


def on_time_of(key: str, values: Sequence[Any]) -> OnTime:
    """An `OnTime` from its counts in COUNTS order."""
    fields: dict[str, Any] = dict(zip(COUNTS, values, strict=True))
    return OnTime(key=key, **fields)


# The groupings the statement sums by; each breakdown is then added up from the one that holds it.
# Each grouping is a sort of every counted job on SQLite: the four small breakdowns share one (at most
# districts x products x job types x priorities rows to add up), as do the histograms, which need one count.
GROUPINGS = (("day",), ("technician",), ("district", "product", "job_type", "priority"), HISTOGRAMS)
WIDTH = max(len(g) for g in GROUPINGS)

# Running sums of the COUNTS columns per raw key (as the database gives it), per breakdown.
Sums = dict[str, dict[Any, list[Any]]]


def on_time_tables(
    session: Session, criteria: DashboardFilter, now: datetime, tz: ZoneInfo, names: dict[int, str], worst: int = 20
) -> OnTimeTables:
    """The on-time counts of the filtered jobs grouped by each of BREAKDOWNS (in key order, technicians
    by name), the response and lateness histograms, and the `worst` jobs furthest past their target
    (unserved ones measured until `now`).

    One statement: each job's flags are worked out once in a common table expression (SQLite and
    PostgreSQL both compute it once when it is referenced more than once), summed by each of
    GROUPINGS under UNION ALL, the worst misses riding along as a last part.
    """
    flags = _job_flags(criteria, now, tz)
    parts = [_grouped_part(flags, index, criteria, tz) for index in range(len(GROUPINGS))]
    parts.append(_worst_part(flags, worst))
    sums: Sums = {name: {} for grouping in GROUPINGS for name in grouping}
    misses: list[tuple[float, int]] = []
    for row in session.execute(union_all(*parts)):
        index, keys, values = int(row[0]), row[1 : 1 + WIDTH], row[1 + WIDTH :]
        if index == len(GROUPINGS):
            misses.append((-float(values[0]), int(keys[0])))
            continue
        for name, key in zip(GROUPINGS[index], keys, strict=False):
            _add(sums[name], key, values)
    return OnTimeTables(
        breakdowns={name: _keyed(sums[name], name, names) for name in BREAKDOWNS},
        response_h=_histogram(_keyed(sums["response"], "response", names), RESPONSE_EDGES_H),
        lateness_min=_histogram(_keyed(sums["lateness"], "lateness", names), LATENESS_EDGES_MIN),
        worst_ids=[job_id for _late, job_id in sorted(misses)],
    )


def _add(into: dict[Any, list[Any]], key: Any, values: Sequence[Any]) -> None:
    """Add one grouped row's counts to the running sums of `key` (NULL sums count as 0)."""
    total = into.get(key)
    if total is None:
        into[key] = [v or 0 for v in values]
        return
    for i, v in enumerate(values):
        if v:
            total[i] += v


def _grouped_part(flags: CTE, index: int, criteria: DashboardFilter, tz: ZoneInfo) -> Select[*tuple[Any, ...]]:
    """The sums of the flags grouped by the keys of GROUPINGS[index], keys padded to WIDTH columns.
    The histograms' bins only count served jobs: their other columns are zeros, not sums."""
    names = GROUPINGS[index]
    keyed = select(*flags.c, *[_key(flags, name, criteria, tz).label(f"key_{name}") for name in names]).subquery()
    keys = [keyed.c[f"key_{name}"] for name in names]
    padding = [cast(literal(None), String) for _ in range(WIDTH - len(names))]
    if names == HISTOGRAMS:
        served: list[ColumnElement[Any]] = [
            func.sum(keyed.c[name]) if name == "served" else literal(0) for name in COUNTS
        ]
        return select(literal(index), *keys, *padding, *served).group_by(*keys)
    sums: list[ColumnElement[Any]] = [
        func.count(),
        *[func.sum(keyed.c[name]) for name in COUNTS[1:] if name != "response_n"],
    ]
    sums.insert(COUNTS.index("response_n"), func.count(keyed.c.response_min_sum))
    return select(literal(index), *keys, *padding, *sums).group_by(*keys)


def _worst_part(flags: CTE, limit: int) -> Select[*tuple[Any, ...]]:
    """The `limit` jobs furthest past their target, shaped like the grouped parts: the job id as the
    first key, its minutes past the target in the first count column, zeros after."""
    c = flags.c
    worst = (
        select(c.job_id, c.miss_min)
        .where(c.miss_min.is_not(None))
        .order_by(c.miss_min.desc(), c.job_id)
        .limit(limit)
        .subquery()
    )
    keys = [cast(worst.c.job_id, String), *[cast(literal(None), String) for _ in range(WIDTH - 1)]]
    return select(literal(len(GROUPINGS)), *keys, worst.c.miss_min, *[literal(0) for _ in COUNTS[1:]])


def _keyed(sums: dict[Any, list[Any]], grouping: str, names: dict[int, str]) -> list[OnTime]:
    """The sums as rows in key order, raw keys turned into shown ones (technician ids into names)."""
    rows: dict[str, list[Any]] = {}
    for raw_key, values in sums.items():
        key = _shown_key(raw_key, grouping, names)
        if key in rows:
            rows[key] = [a + b for a, b in zip(rows[key], values, strict=True)]
        else:
            rows[key] = values
    return [_on_time(key, rows[key]) for key in sorted(rows)]


def _job_flags(criteria: DashboardFilter, now: datetime, tz: ZoneInfo) -> CTE:
    """Per counted job: the grouping columns, 0/1 flags of the counts, response and lateness minutes."""
    facts = job_facts(criteria, tz)
    c = facts.c
    served = c.arrival.is_not(None)
    return (
        select(
            c.job_id,
            c.received_at,
            c.technician_id,
            c.district,
            c.product,
            c.job_type,
            c.priority,
            flag(served).label("served"),
            flag(or_(served, c.target_due <= at(now))).label("target_due"),
            flag(and_(served, c.arrival <= c.target_due)).label("on_target"),
            flag(or_(served, c.promise_due <= at(now))).label("promise_due"),
            flag(and_(served, c.arrival <= c.promise_due)).label("within_promise"),
            flag(and_(not_(served), c.promise_due <= at(now))).label("missed"),
            case((and_(served, c.window_end.is_(None)), minutes_between(c.arrival, c.received_at)), else_=None).label(
                "response_min_sum"
            ),
            case((c.arrival > c.target_due, minutes_between(c.arrival, c.target_due)), else_=None).label("late_min"),
            case(
                (
                    or_(c.arrival > c.target_due, and_(not_(served), c.target_due <= at(now))),
                    minutes_between(func.coalesce(c.arrival, at(now)), c.target_due),
                ),
                else_=None,
            ).label("miss_min"),
            flag(c.status == JobStatus.COMPLETED.value).label("completed"),
            flag(first_fixed(facts)).label("first_fixed"),
        )
        .select_from(facts)
        .cte("job_flags")
    )


def _key(flags: CTE, grouping: str, criteria: DashboardFilter, tz: ZoneInfo) -> ColumnElement[Any]:
    """The grouping key of one breakdown or histogram (its bin index), as text."""
    c = flags.c
    if grouping == "day":
        return day_bucket(c.received_at, criteria.days, tz)
    if grouping == "response":
        return cast(_bin(c.response_min_sum, [60 * h for h in RESPONSE_EDGES_H]), String)
    if grouping == "lateness":
        return cast(_bin(c.late_min, LATENESS_EDGES_MIN), String)
    return cast(c[grouping if grouping != "technician" else "technician_id"], String)


def _bin(minutes: ColumnElement[Any], edges: Sequence[float]) -> ColumnElement[Any]:
    """Index of the bin `minutes` falls in (0-based; len(edges) for the open last bin; NULL stays NULL)."""
    whens = [(minutes <= edge + ROUNDING_MIN, i) for i, edge in enumerate(edges)]
    return case((minutes.is_(None), None), *whens, else_=len(edges))


def _histogram(rows: list[OnTime], edges: tuple[int, ...]) -> Histogram:
    """Served jobs per bin, from the rows keyed by bin index (the "" key holds the jobs outside)."""
    counts = [0] * (len(edges) + 1)
    for row in rows:
        if row.key:
            counts[int(row.key)] += row.served
    return Histogram(edges, tuple(counts))


def _shown_key(raw_key: Any, grouping: str, names: dict[int, str]) -> str:
    if raw_key is None:
        return ""
    if grouping == "technician":
        return names.get(int(raw_key), str(raw_key))
    return str(raw_key)


def _on_time(key: str, values: Sequence[Any]) -> OnTime:
    numbers = [float(v) if name == "response_min_sum" else int(v) for name, v in zip(COUNTS, values, strict=True)]
    return on_time_of(key, numbers)
