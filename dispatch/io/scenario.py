"""Import of `dispatch-scenario/1` files (see data/scenarios/README.md and FORMATS.md).

Ids in a scenario are unique only within it, so every id is stored as `<scenario name>/<id>`.
`actual_duration_min` is kept for replay only; planning never reads it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.deadlines import compute_deadlines
from dispatch.errors import RowError
from dispatch.io import cells
from dispatch.io.customers import replace_phones
from dispatch.io.kind import Counts, existing_by_key
from dispatch.io.sources import SCENARIO_FORMAT, Source
from dispatch.io.validation import Context, RowReader
from dispatch.io.workforce import replace_skills, replace_weekly_shifts
from dispatch.lifecycle import open_job
from dispatch.models import (
    Absence,
    Customer,
    Depot,
    Job,
    Priority,
    Scenario,
    Shift,
    Technician,
    Warranty,
)
from dispatch.phones import normalize_phone

SCENARIO_DAY_OFF = "day off (scenario roster)"


@dataclass(frozen=True)
class ShiftRow:
    """One dated shift of a scenario technician."""

    start: datetime
    end: datetime
    break_earliest: datetime | None
    break_latest: datetime | None
    break_minutes: int


@dataclass
class ScenarioData:
    """A validated scenario, ids already prefixed and dates already moved."""

    name: str
    tz: ZoneInfo
    start: datetime
    end: datetime
    target_hours: float
    promise_hours: float
    road_factor: float
    speed_kmh: float
    shift_days: int
    depots: list[dict[str, Any]] = field(default_factory=list)
    technicians: list[dict[str, Any]] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)


class _Section:
    """Reads the entries of one list of the scenario, errors as `file:<position>:<list>.<field>`."""

    def __init__(self, source: Source, context: Context, name: str) -> None:
        self.source, self.context, self.name = source, context, name

    def entries(self) -> list[tuple[RowReader, dict[str, Any]]]:
        raw = self.source.document.get(self.name)
        if not isinstance(raw, list):
            self.context.errors.append(RowError(self.source.name, 0, "", "expected a list"))
            return []
        return [
            (
                RowReader(self.source.name, position, entry if isinstance(entry, dict) else {}, self.context),
                entry,
            )
            for position, entry in enumerate(raw, start=1)
        ]

    def relabel(self, since: int) -> None:
        _relabel(self.context, since, self.name)


def _relabel(context: Context, since: int, prefix: str) -> None:
    """Prefix the fields of the errors recorded since `since`, e.g. `start` -> `shifts.start`."""
    errors = context.errors
    for index in range(since, len(errors)):
        e = errors[index]
        errors[index] = RowError(e.file, e.row, f"{prefix}.{e.field}" if e.field else prefix, e.reason)


def validate_scenario(source: Source, context: Context) -> ScenarioData | None:
    """Check a whole scenario document; None (with errors recorded) when anything is wrong."""
    before = len(context.errors)
    head = RowReader(source.name, 0, source.document, context)
    if source.document.get("format") != SCENARIO_FORMAT:
        head.fail("format", f"expected {SCENARIO_FORMAT!r}")
    name = head.need("name", cells.text)
    tz = head.need("timezone", _zone)
    sla, travel = source.document.get("sla") or {}, source.document.get("travel") or {}
    if tz is None or name is None:
        return None
    move = timedelta(days=context.shift_days)

    def when(value: Any) -> datetime:
        return cells.moment(value, tz).astimezone(tz) + move

    data = ScenarioData(
        name=name,
        tz=tz,
        start=head.need("start", when) or datetime.min.replace(tzinfo=tz),
        end=head.need("end", when) or datetime.min.replace(tzinfo=tz),
        target_hours=_sub(head, sla, "sla.target_hours", cells.number) or 6.0,
        promise_hours=_sub(head, sla, "sla.promise_hours", cells.number) or 24.0,
        road_factor=_sub(head, travel, "travel.road_factor", cells.number) or 1.0,
        speed_kmh=_sub(head, travel, "travel.speed_kmh", cells.number) or 1.0,
        shift_days=context.shift_days,
    )
    if data.end <= data.start:
        head.fail("end", "is not after start")
    prefix = f"{name}/"
    _read_depots(_Section(source, context, "depots"), data, prefix)
    _read_technicians(_Section(source, context, "technicians"), data, prefix, when)
    _read_calls(_Section(source, context, "calls"), data, prefix, when)
    return None if len(context.errors) > before else data


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(cells.text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone") from None


def _sub(head: RowReader, block: Any, label: str, parse: Callable[[Any], float]) -> float | None:
    key = label.split(".")[1]
    if not isinstance(block, dict) or cells.is_blank(block.get(key)):
        head.fail(label, "is required")
        return None
    try:
        value = parse(block[key])
    except ValueError as exc:
        head.fail(label, str(exc))
        return None
    if value <= 0:
        head.fail(label, "must be above zero")
    return value


def _read_depots(section: _Section, data: ScenarioData, prefix: str) -> None:
    since = len(section.context.errors)
    for row, _ in section.entries():
        depot_id, name = row.need("id", cells.text), row.need("name", cells.text)
        lat, lon = row.need("lat", cells.latitude), row.need("lon", cells.longitude)
        if not row.failed:
            data.depots.append({"id": prefix + str(depot_id), "name": name, "lat": lat, "lon": lon})
    section.context.known["depots"].update(d["id"] for d in data.depots)
    section.relabel(since)


def _read_technicians(section: _Section, data: ScenarioData, prefix: str, when: Callable[[Any], datetime]) -> None:
    since = len(section.context.errors)
    depots = {d["id"] for d in data.depots}
    for row, raw in section.entries():
        tech_id, name, depot = (
            row.need("id", cells.text),
            row.need("name", cells.text),
            row.need("depot", cells.text),
        )
        if depot and prefix + depot not in depots:
            row.fail("depot", f"no depot {depot!r} in this scenario")
        skills = row.skills()
        shifts = [_read_shift(row, s, when) for s in raw.get("shifts") or []]
        if not row.failed:
            data.technicians.append(
                {
                    "id": prefix + str(tech_id),
                    "name": name,
                    "depot": prefix + str(depot),
                    "skills": skills,
                    "shifts": [s for s in shifts if s is not None],
                }
            )
    section.context.known["technicians"].update(t["id"] for t in data.technicians)
    section.relabel(since)


def _read_shift(row: RowReader, raw: Any, when: Callable[[Any], datetime]) -> ShiftRow | None:
    if not isinstance(raw, dict):
        row.fail("shifts", "each shift must be an object")
        return None
    since = len(row.context.errors)
    shift = RowReader(row.source, row.number, raw, row.context)
    start, end = shift.need("start", when), shift.need("end", when)
    if start and end and end <= start:
        shift.fail("end", "is not after start")
    pause = raw.get("break") or {}
    since_break = len(row.context.errors)
    rest = RowReader(row.source, row.number, pause if isinstance(pause, dict) else {}, row.context)
    earliest, latest = rest.get("earliest", when), rest.get("latest", when)
    minutes = rest.get("minutes", cells.integer, 0) or 0
    if earliest and latest and latest < earliest:
        rest.fail("latest", "is before the earliest break start")
    _relabel(row.context, since_break, "break")
    _relabel(row.context, since, "shifts")
    if shift.failed or rest.failed or start is None or end is None:
        row.failed = True
        return None
    return ShiftRow(start, end, earliest, latest, minutes)


def _read_calls(section: _Section, data: ScenarioData, prefix: str, when: Callable[[Any], datetime]) -> None:
    since = len(section.context.errors)
    seen: set[str] = set()
    area = section.context.settings.default_area_code
    for row, raw in section.entries():
        call_id = row.need("id", cells.text)
        if call_id in seen:
            row.fail("id", f"{call_id!r} repeats an earlier call")
        seen.add(call_id or "")
        received = row.need("received_at", when)
        job_type, product = row.need("job_type", cells.text), row.need("product", cells.text)
        row.vocabulary("product", product)
        row.vocabulary("job_type", job_type, "job type")
        duration = row.need("duration_min", cells.positive_integer)
        actual = row.get("actual_duration_min", cells.positive_integer)
        priority = row.get("priority", cells.text, Priority.NORMAL.value) or Priority.NORMAL.value
        if priority not in {p.value for p in Priority}:
            row.fail("priority", f"{priority!r} is not normal, urgent or complaint")
        window = _read_window(row, raw.get("window"), when)
        customer = _read_customer(row, raw.get("customer"), prefix, area)
        if not row.failed and customer is not None:
            data.customers.setdefault(customer["id"], customer)
            data.calls.append(
                {
                    "id": prefix + str(call_id),
                    "customer": customer["id"],
                    "received_at": received,
                    "job_type": job_type,
                    "product": product,
                    "duration_min": duration,
                    "actual_duration_min": actual,
                    "window": window,
                    "priority": priority,
                }
            )
    section.context.known["customers"].update(data.customers)
    section.context.known["jobs"].update(c["id"] for c in data.calls)
    section.relabel(since)


def _read_window(row: RowReader, raw: Any, when: Callable[[Any], datetime]) -> tuple[datetime, datetime] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        row.fail("window", "expected null or {start, end}")
        return None
    since = len(row.context.errors)
    reader = RowReader(row.source, row.number, raw, row.context)
    start, end = reader.need("start", when), reader.need("end", when)
    if start and end and end <= start:
        reader.fail("end", "is not after start")
    _relabel(row.context, since, "window")
    if reader.failed or start is None or end is None:
        row.failed = True
        return None
    return start, end


def _read_customer(row: RowReader, raw: Any, prefix: str, area: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        row.fail("customer", "expected an object")
        return None
    since = len(row.context.errors)
    reader = RowReader(row.source, row.number, raw, row.context)
    values = {
        "id": reader.need("id", cells.text),
        "name": reader.need("name", cells.text),
        "phone": reader.need("phone", lambda v: normalize_phone(str(v), area)),
        "address": reader.get("address", cells.text, "") or "",
        "district": reader.get("district", cells.text, "") or "",
        "lat": reader.need("lat", cells.latitude),
        "lon": reader.need("lon", cells.longitude),
    }
    _relabel(row.context, since, "customer")
    if reader.failed:
        row.failed = True
        return None
    values["id"] = prefix + str(values["id"])
    return values


def write_scenario(session: Session, data: ScenarioData, context: Context) -> Counts:
    """Store the scenario: its depots, technicians (roster as dated shifts), customers and calls as jobs."""
    counts = Counts()
    counts.add(session.get(Scenario, data.name) is None)
    session.merge(
        Scenario(
            name=data.name,
            timezone=data.tz.key,
            start=data.start,
            end=data.end,
            target_hours=data.target_hours,
            promise_hours=data.promise_hours,
            road_factor=data.road_factor,
            speed_kmh=data.speed_kmh,
            shift_days=data.shift_days,
        )
    )
    depots = _write_depots(session, data, counts)
    _write_technicians(session, data, depots, counts)
    customers = _write_customers(session, data, counts)
    _write_calls(session, data, customers, counts)
    return counts


def _write_depots(session: Session, data: ScenarioData, counts: Counts) -> dict[str, Depot]:
    existing = existing_by_key(session, Depot, "external_id", [d["id"] for d in data.depots])
    for d in data.depots:
        depot = existing.get(d["id"])
        counts.add(depot is None)
        if depot is None:
            depot = existing[d["id"]] = Depot(external_id=d["id"])
            session.add(depot)
        depot.name, depot.lat, depot.lon = d["name"], d["lat"], d["lon"]
    return existing


def _write_technicians(session: Session, data: ScenarioData, depots: dict[str, Depot], counts: Counts) -> None:
    existing = existing_by_key(session, Technician, "external_id", [t["id"] for t in data.technicians])
    for t in data.technicians:
        tech = existing.get(t["id"])
        counts.add(tech is None)
        if tech is None:
            tech = Technician(external_id=t["id"], phone="")
            session.add(tech)
        tech.name, tech.depot, tech.active = t["name"], depots[t["depot"]], True
        replace_skills(tech, t["skills"])
        _write_roster(tech, t["shifts"], data)


def _write_roster(tech: Technician, shifts: list[ShiftRow], data: ScenarioData) -> None:
    """Dated shifts for the horizon, days off inside it, and a weekly pattern read off the roster."""
    horizon_days = _days(data.start, data.end, data.tz)
    kept = [s for s in tech.shifts if s.start.astimezone(data.tz).date() not in horizon_days]
    stored = {(s.start, s.end): s for s in tech.shifts}
    for row in shifts:
        shift = stored.get((row.start, row.end)) or Shift(start=row.start, end=row.end)
        shift.break_earliest, shift.break_latest = row.break_earliest, row.break_latest
        shift.break_minutes = row.break_minutes
        kept.append(shift)
    tech.shifts = kept
    working = {s.start.astimezone(data.tz).date() for s in shifts}
    wanted = [(d, d) for d in sorted(horizon_days - working)]
    others = [a for a in tech.absences if a.reason != SCENARIO_DAY_OFF]
    ours = {(a.first_day, a.last_day): a for a in tech.absences if a.reason == SCENARIO_DAY_OFF}
    tech.absences = others + [
        ours.get(span) or Absence(first_day=span[0], last_day=span[1], reason=SCENARIO_DAY_OFF) for span in wanted
    ]
    if shifts:
        _write_pattern(tech, shifts, data.tz)


def _days(start: datetime, end: datetime, tz: ZoneInfo) -> set[date]:
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _write_pattern(tech: Technician, shifts: list[ShiftRow], tz: ZoneInfo) -> None:
    """Each weekday the roster shows gets its hours; other weekdays (Monday to Friday) the most common
    hours; weekends the roster does not show stay off, except on swapped working days (see roster)."""

    def hours(s: ShiftRow) -> tuple[time, time, time | None, time | None, int]:
        def clock(value: datetime | None) -> time | None:
            return None if value is None else value.astimezone(tz).time()

        return (clock(s.start), clock(s.end), clock(s.break_earliest), clock(s.break_latest), s.break_minutes)  # type: ignore[return-value]

    by_weekday = {s.start.astimezone(tz).weekday(): hours(s) for s in shifts}
    usual = Counter(hours(s) for s in shifts).most_common(1)[0][0]
    specs = [
        cells.WeeklyShiftSpec(weekday, *by_weekday.get(weekday, usual))
        for weekday in range(7)
        if weekday in by_weekday or weekday < 5
    ]
    replace_weekly_shifts(tech, specs)


def _write_customers(session: Session, data: ScenarioData, counts: Counts) -> dict[str, Customer]:
    existing = existing_by_key(session, Customer, "external_id", list(data.customers))
    first_call: dict[str, datetime] = {}
    for call in data.calls:
        first_call.setdefault(call["customer"], call["received_at"])
    for customer_id, c in data.customers.items():
        customer = existing.get(customer_id)
        counts.add(customer is None)
        if customer is None:
            customer = existing[customer_id] = Customer(external_id=customer_id, created_at=first_call[customer_id])
            session.add(customer)
        customer.name, customer.address, customer.district = c["name"], c["address"], c["district"]
        customer.lat, customer.lon, customer.location_approximate = c["lat"], c["lon"], False
        numbers = customer.phone_numbers()
        replace_phones(customer, [c["phone"], *[n for n in numbers if n != c["phone"]]])
    return existing


def _write_calls(session: Session, data: ScenarioData, customers: dict[str, Customer], counts: Counts) -> None:
    existing = existing_by_key(session, Job, "external_id", [c["id"] for c in data.calls])
    for call in data.calls:
        job = existing.get(call["id"])
        counts.add(job is None)
        deadlines = compute_deadlines(call["received_at"], data.target_hours, data.promise_hours, data.tz)
        if job is None:
            job = Job(external_id=call["id"], warranty=Warranty.PAID.value, parts_expected=[])
            open_job(job, call["received_at"], note="scenario call")
            session.add(job)
        job.customer = customers[call["customer"]]
        job.product_code, job.job_type_code = call["product"], call["job_type"]
        job.received_at, job.target_at, job.promise_at = (
            call["received_at"],
            deadlines.target_at,
            deadlines.promise_at,
        )
        job.window_start, job.window_end = call["window"] or (None, None)
        job.duration_min, job.actual_duration_min = call["duration_min"], call["actual_duration_min"]
        job.priority, job.scenario = call["priority"], data.name


def scenario_known(session: Session, name: str) -> bool:
    """Whether a scenario of this name is stored."""
    return session.scalar(select(Scenario.name).where(Scenario.name == name)) is not None
