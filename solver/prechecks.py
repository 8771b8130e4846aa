"""Reasons a job cannot be planned at all, found before solving."""

from __future__ import annotations

from dataclasses import dataclass

from solver.plan import Reason
from solver.problem import DispatchProblem, Job, Shift, Technician


@dataclass(frozen=True)
class Candidate:
    """A (technician, shift) that could serve a job."""

    technician: int
    shift: int


def reachable(problem: DispatchProblem, tech: Technician, shift: Shift, job: Job) -> bool:
    """Whether the technician can leave at shift start, serve the job in a window and be back in time."""
    there = int(problem.duration[tech.start_location, job.location])
    home = int(problem.duration[job.location, tech.end_location])
    arrival = shift.start + there
    latest_back = shift.end + shift.max_overtime
    windows = job.windows or ()
    if job.pin_start is not None:
        return job.pin_start + job.service + home <= latest_back
    if not windows:
        return arrival + job.service + home <= latest_back
    return any(w.end >= arrival and max(arrival, w.start) + job.service + home <= latest_back for w in windows)


def _parts_possible(tech: Technician, job: Job) -> bool:
    return tech.restock_location is not None or all(tech.parts.get(p, 0) >= q for p, q in job.parts.items())


def classify(problem: DispatchProblem, job: Job) -> tuple[list[Candidate], Reason | None]:
    """The (technician, shift) pairs that could serve `job`, or the reason none can."""
    techs = [(i, t) for i, t in enumerate(problem.technicians) if job.skill is None or job.skill in t.skills]
    if job.pin_technician is not None:
        techs = [(i, t) for i, t in techs if t.id == job.pin_technician]
        if not techs or not (techs[0][1].can_do(job) and _parts_possible(techs[0][1], job)):
            return [], Reason.PINNED_TECHNICIAN_CANNOT
    if not techs:
        return [], Reason.NO_SKILL
    techs = [(i, t) for i, t in techs if t.can_do(job) and _parts_possible(t, job)]
    if not techs:
        return [], Reason.NO_TOOLS_OR_PARTS
    shifts = [(i, k, s) for i, t in techs for k, s in enumerate(t.shifts)]
    if all(job.service > s.end + s.max_overtime - s.start for _, _, s in shifts):
        return [], Reason.TOO_LONG
    fits = [Candidate(i, k) for i, k, s in shifts if reachable(problem, problem.technicians[i], s, job)]
    if not fits:
        return [], Reason.WINDOW_UNREACHABLE
    return fits, None
