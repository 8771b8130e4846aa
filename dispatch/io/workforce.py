"""Depots and technicians as files: validation, upsert by external id, export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.io import cells
from dispatch.io.kind import Counts, Kind, existing_by_key, validate_rows
from dispatch.io.sources import Source
from dispatch.io.validation import Context, RowReader
from dispatch.models import Absence, Depot, Skill, Technician, WeeklyShift

DEPOT_COLUMNS = ("id", "name", "address", "lat", "lon")
TECHNICIAN_COLUMNS = ("id", "name", "phone", "depot", "skills", "weekly_shifts", "absences", "active")


@dataclass(frozen=True)
class DepotRow:
    """A validated depot row."""

    external_id: str
    name: str
    address: str
    lat: float
    lon: float


def _read_depot(row: RowReader) -> DepotRow | None:
    external_id, name = row.need("id", cells.text), row.need("name", cells.text)
    lat, lon = row.need("lat", cells.latitude), row.need("lon", cells.longitude)
    if external_id is None or name is None or lat is None or lon is None:
        return None
    return DepotRow(external_id, name, row.get("address", cells.text, ""), lat, lon)


def validate_depots(source: Source, context: Context) -> list[DepotRow]:
    """Read a depots file."""
    records = validate_rows(source, context, DEPOT_COLUMNS, "id", _read_depot)
    context.known["depots"].update(r.external_id for r in records)
    return records


def write_depots(session: Session, records: list[DepotRow], context: Context) -> Counts:
    """Create or update depots."""
    counts = Counts()
    existing = existing_by_key(session, Depot, "external_id", [r.external_id for r in records])
    for r in records:
        depot = existing.get(r.external_id)
        counts.add(depot is None)
        if depot is None:
            depot = Depot(external_id=r.external_id)
            session.add(depot)
        depot.name, depot.address, depot.lat, depot.lon = r.name, r.address, r.lat, r.lon
    return counts


def export_depots(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every depot as a row."""
    return [
        {"id": d.external_id, "name": d.name, "address": d.address, "lat": d.lat, "lon": d.lon}
        for d in session.scalars(select(Depot).order_by(Depot.external_id))
    ]


@dataclass(frozen=True)
class TechnicianRow:
    """A validated technician row."""

    external_id: str
    name: str
    phone: str
    depot: str
    skills: list[tuple[str, str]]
    weekly_shifts: list[cells.WeeklyShiftSpec]
    absences: list[cells.AbsenceSpec]
    active: bool


def _read_technician(row: RowReader) -> TechnicianRow | None:
    external_id, name, depot = (
        row.need("id", cells.text),
        row.need("name", cells.text),
        row.need("depot", cells.text),
    )
    row.reference("depot", "depots", depot)
    skills = row.skills()
    phone = row.get("phone", cells.text, "") or ""
    weekly = row.get("weekly_shifts", cells.weekly_shifts, []) or []
    days_off = row.get("absences", cells.absences, []) or []
    active = row.get("active", cells.boolean, True)
    if external_id is None or name is None or depot is None:
        return None
    return TechnicianRow(
        external_id=external_id,
        name=name,
        phone=phone,
        depot=depot,
        skills=skills,
        weekly_shifts=weekly,
        absences=days_off,
        active=bool(active),
    )


def validate_technicians(source: Source, context: Context) -> list[TechnicianRow]:
    """Read a technicians file."""
    records = validate_rows(source, context, TECHNICIAN_COLUMNS, "id", _read_technician)
    context.known["technicians"].update(r.external_id for r in records)
    return records


def write_technicians(session: Session, records: list[TechnicianRow], context: Context) -> Counts:
    """Create or update technicians; skills, weekly pattern and absences are replaced by the file's."""
    counts = Counts()
    depots = {d.external_id: d for d in session.scalars(select(Depot))}
    existing = existing_by_key(session, Technician, "external_id", [r.external_id for r in records])
    for r in records:
        tech = existing.get(r.external_id)
        counts.add(tech is None)
        if tech is None:
            tech = Technician(external_id=r.external_id)
            session.add(tech)
        tech.name, tech.phone, tech.depot, tech.active = r.name, r.phone, depots[r.depot], r.active
        replace_skills(tech, r.skills)
        replace_weekly_shifts(tech, r.weekly_shifts)
        replace_absences(tech, r.absences)
    return counts


def replace_absences(tech: Technician, specs: list[cells.AbsenceSpec]) -> None:
    """Make the days off exactly `specs`, keeping the rows that stay."""
    stored = {(a.first_day, a.last_day, a.reason): a for a in tech.absences}
    tech.absences = [
        stored.get((a.first_day, a.last_day, a.reason))
        or Absence(first_day=a.first_day, last_day=a.last_day, reason=a.reason)
        for a in specs
    ]


def replace_weekly_shifts(tech: Technician, specs: list[cells.WeeklyShiftSpec]) -> None:
    """Make the weekly pattern exactly `specs`, updating each weekday's row in place.

    In place, because a weekday is unique per technician: inserting before deleting would clash.
    """
    stored = {w.weekday: w for w in tech.weekly_shifts}
    pattern = []
    for spec in specs:
        row = stored.get(spec.weekday) or WeeklyShift(weekday=spec.weekday, start=spec.start, end=spec.end)
        row.start, row.end, row.break_minutes = spec.start, spec.end, spec.break_minutes
        row.break_earliest, row.break_latest = spec.break_earliest, spec.break_latest
        pattern.append(row)
    tech.weekly_shifts = pattern


def replace_skills(tech: Technician, wanted: list[tuple[str, str]]) -> None:
    """Keep the skill rows that stay (so a re-import changes nothing), drop and add the rest."""
    keep = set(wanted)
    tech.skills = [s for s in tech.skills if (s.product_code, s.job_type_code) in keep]
    have = {(s.product_code, s.job_type_code) for s in tech.skills}
    tech.skills.extend(Skill(product_code=p, job_type_code=j) for p, j in wanted if (p, j) not in have)


def export_technicians(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every technician as a row, list cells as lists."""
    query = (
        select(Technician)
        .options(
            selectinload(Technician.skills),
            selectinload(Technician.weekly_shifts),
            selectinload(Technician.absences),
            selectinload(Technician.depot),
        )
        .order_by(Technician.external_id)
    )
    return [
        {
            "id": t.external_id,
            "name": t.name,
            "phone": t.phone,
            "depot": t.depot.external_id,
            "skills": t.skill_codes(),
            "weekly_shifts": format_weekly_shifts(t.weekly_shifts),
            "absences": [format_absence(a) for a in t.absences],
            "active": t.active,
        }
        for t in session.scalars(query)
    ]


def format_weekly_shifts(shifts: list[WeeklyShift]) -> list[str]:
    """The weekly pattern in file syntax, consecutive weekdays with equal hours merged (`mon-fri ...`)."""
    entries: list[tuple[list[int], str]] = []
    for s in sorted(shifts, key=lambda w: w.weekday):
        hours = f"{s.start:%H:%M}-{s.end:%H:%M}"
        if s.break_earliest is not None and s.break_latest is not None:
            hours += f" break {s.break_earliest:%H:%M}-{s.break_latest:%H:%M} {s.break_minutes}m"
        if entries and entries[-1][1] == hours and entries[-1][0][-1] == s.weekday - 1:
            entries[-1][0].append(s.weekday)
        else:
            entries.append(([s.weekday], hours))
    return [f"{_day_range(days)} {hours}" for days, hours in entries]


def _day_range(days: list[int]) -> str:
    first, last = cells.WEEKDAYS[days[0]], cells.WEEKDAYS[days[-1]]
    return first if first == last else f"{first}-{last}"


def format_absence(absence: Absence) -> str:
    span = absence.first_day.isoformat()
    if absence.last_day != absence.first_day:
        span += f"..{absence.last_day.isoformat()}"
    return f"{span} {absence.reason}".strip()


DEPOTS = Kind("depots", DEPOT_COLUMNS, "id", validate_depots, write_depots, export_depots)
TECHNICIANS = Kind("technicians", TECHNICIAN_COLUMNS, "id", validate_technicians, write_technicians, export_technicians)
