"""Editing a technician's file by hand: certifications, weekly hours, days off, active.

Weekly hours and days off use the same text as the import files (FORMATS.md), one entry per line:
`mon-fri 08:00-18:00 break 11:30-13:30 45m`, `2026-07-10..2026-07-12 annual leave`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import DispatchError
from dispatch.io import cells
from dispatch.io.workforce import replace_absences, replace_skills, replace_weekly_shifts
from dispatch.models import JobType, ProductKind, ReplanReason, Technician
from dispatch.replan_requests import request_replan


class CrewError(DispatchError, ValueError):
    """A field of the technician's file that cannot be saved; the message starts with its name."""


@dataclass(frozen=True)
class TechnicianEdit:
    """What the technicians page submits."""

    skills: Sequence[str]  # `<product>:<job_type>`
    weekly_hours: str  # one entry per line
    days_off: str  # one entry per line
    active: bool


def update_technician(session: Session, tech: Technician, edit: TechnicianEdit) -> None:
    """Replace the technician's certifications, weekly pattern and days off (all checked first)."""
    skills = _skills(session, edit.skills)
    lines = [line.strip() for line in edit.weekly_hours.splitlines() if line.strip()]
    try:
        weekly = cells.weekly_shifts(lines)
    except ValueError as exc:
        raise CrewError(f"weekly_hours: {exc}") from exc
    try:
        days_off = cells.absences([line.strip() for line in edit.days_off.splitlines() if line.strip()])
    except ValueError as exc:
        raise CrewError(f"days_off: {exc}") from exc
    replace_skills(tech, skills)
    replace_weekly_shifts(tech, weekly)
    before = [(a.first_day, a.last_day) for a in tech.absences]
    replace_absences(tech, days_off)
    if before != [(a.first_day, a.last_day) for a in tech.absences] or tech.active != edit.active:
        request_replan(session, ReplanReason.ABSENCE, datetime.now(UTC), technician_id=tech.id)
    tech.active = edit.active
    session.flush()


def _skills(session: Session, codes: Sequence[str]) -> list[tuple[str, str]]:
    products = set(session.scalars(select(ProductKind.code)))
    job_types = set(session.scalars(select(JobType.code)))
    wanted = []
    for code in codes:
        try:
            product, job_type = cells.skill(code)
        except ValueError as exc:
            raise CrewError(f"skills: {exc}") from exc
        if product not in products or job_type not in job_types:
            raise CrewError(f"skills: unknown certification {code!r}")
        wanted.append((product, job_type))
    return sorted(set(wanted))
