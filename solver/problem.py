"""The optimisation problem: technicians (with shifts), jobs, matrices and objective weights.

Pure data, frozen and checked when built. Times are integer units from the horizon start (the
dispatch layer uses seconds), distances integer units (metres); index 0.. of the matrices are
locations. To make a variant, call `replace()` rather than changing anything in place.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray


class ProblemError(ValueError):
    """A problem that cannot be solved as given (bad index, window, id...)."""


@dataclass(frozen=True)
class Window:
    """A closed interval [start, end] of time units."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ProblemError(f"window [{self.start}, {self.end}] ends before it starts")

    def contains(self, t: int) -> bool:
        """Whether `t` lies in the window."""
        return self.start <= t <= self.end


@dataclass(frozen=True)
class Break:
    """A break of `duration` that must start within [earliest, latest], between two services
    (at a stop, or as a pause on the drive between them).

    `guard` keeps room for an overrun: a service before the break must end by its latest start even
    if it takes `guard` times its estimate (a visit cannot be interrupted for the break)."""

    duration: int
    earliest: int
    latest: int
    guard: float = 1.0

    def __post_init__(self) -> None:
        if self.duration < 0 or self.latest < self.earliest or self.guard < 1:
            raise ProblemError(
                f"break {self.duration} in [{self.earliest}, {self.latest}] (guard {self.guard}) is impossible"
            )


@dataclass(frozen=True)
class Shift:
    """Working hours: leave the start location at or after `start` and for each visit by `end`; be
    back by `end` plus `max_overtime` (the last visit may run past the end)."""

    start: int
    end: int
    pause: Break | None = None
    max_overtime: int = 0

    def __post_init__(self) -> None:
        if self.end < self.start or self.max_overtime < 0:
            raise ProblemError(f"shift [{self.start}, {self.end}] (overtime {self.max_overtime}) is impossible")


@dataclass(frozen=True)
class Technician:
    """A technician: where it starts and ends, when it works, what it can do and carries."""

    id: str
    start_location: int
    end_location: int
    shifts: tuple[Shift, ...]
    skills: frozenset[str] = frozenset()
    tools: frozenset[str] = frozenset()
    parts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    max_visits: int | None = None
    # A place where the technician may restock once per shift: all tools and parts from then on.
    restock_location: int | None = None

    def can_do(self, job: Job) -> bool:
        """Skill and tools suffice (parts are a capacity, checked along the route)."""
        return (job.skill is None or job.skill in self.skills) and (
            self.restock_location is not None or job.tools <= self.tools
        )


@dataclass(frozen=True)
class Job:
    """A visit to make: where, how long, what it needs, when, and how much it matters."""

    id: str
    location: int
    service: int
    skill: str | None = None
    tools: frozenset[str] = frozenset()
    parts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    windows: tuple[Window, ...] = ()
    # Soft deadlines on the start of service: meet the target, keep the promise.
    target: int | None = None
    promise: int | None = None
    # False once the target cannot be met any more: still counted in the figures, no longer priced.
    target_priced: bool = True
    priority: float = 1.0
    # Share (0 to 1) of the drop cost that leaving this job out costs: less for one that loses nothing
    # by waiting for a later plan, so that when time is short the jobs with more at stake go first.
    drop_share: float = 1.0
    pin_technician: str | None = None
    pin_position: int | None = None  # 0-based position in the pinned technician's route
    pin_start: int | None = None  # a visit already under way: its service started then
    dispatched_to: str | None = None  # moving it to another technician costs `Weights.move`


@dataclass(frozen=True)
class Weights:
    """The objective, in one place. Costs are integers; the order of magnitude sets the priorities.

    serve every job (drop, times priority and the job's drop share) > keep promises > meet targets >
    little driving and overtime > balanced workload. Lateness costs are per time unit of lateness.
    """

    drop: int = 100_000_000
    promise_late: int = 500
    target_late: int = 50
    distance: int = 1
    overtime: int = 20
    route_time: int = 0  # per time unit of each route's span (the TRSP objective)
    balance: int = 1  # per time unit between the longest and the shortest route
    move: int = 20_000  # moving a job away from the technician it was dispatched to

    def drop_cost(self, job: Job) -> int:
        """What leaving `job` out costs: the drop cost times its priority and its drop share."""
        return max(1, round(self.drop * job.priority * job.drop_share))


@dataclass(frozen=True)
class DispatchProblem:
    """A frozen routing problem; `__post_init__` checks every index and id."""

    distance: NDArray[np.int64]
    duration: NDArray[np.int64]
    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    weights: Weights = Weights()

    def __post_init__(self) -> None:
        for name in ("distance", "duration"):
            matrix = np.asarray(getattr(self, name), dtype=np.int64)
            matrix.setflags(write=False)
            object.__setattr__(self, name, matrix)
        n = self.distance.shape[0]
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            raise ProblemError(f"matrices must be square and equal: {self.distance.shape}, {self.duration.shape}")
        if (self.distance < 0).any() or (self.duration < 0).any():
            raise ProblemError("matrices hold a negative distance or duration")
        self._check_ids_and_locations(n)

    def _check_ids_and_locations(self, n: int) -> None:
        tech_ids = [t.id for t in self.technicians]
        job_ids = [j.id for j in self.jobs]
        for kind, ids in (("technician", tech_ids), ("job", job_ids)):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ProblemError(f"{kind} ids repeat: {repeated}")
        for t in self.technicians:
            for loc in (t.start_location, t.end_location, t.restock_location):
                if loc is not None and not 0 <= loc < n:
                    raise ProblemError(f"technician {t.id}: location {loc} outside the matrix")
            if not t.shifts:
                raise ProblemError(f"technician {t.id} has no shift")
        known = set(tech_ids)
        for j in self.jobs:
            if not 0 <= j.location < n:
                raise ProblemError(f"job {j.id}: location {j.location} outside the matrix")
            if j.service < 0 or j.priority <= 0 or not 0 < j.drop_share <= 1:
                raise ProblemError(f"job {j.id}: service must be >= 0, priority > 0 and drop share in (0, 1]")
            if j.pin_technician is not None and j.pin_technician not in known:
                raise ProblemError(f"job {j.id}: pinned to unknown technician {j.pin_technician}")
            if (j.pin_position is not None or j.pin_start is not None) and j.pin_technician is None:
                raise ProblemError(f"job {j.id}: a pinned position or start needs a pinned technician")

    def replace(self, **changes: Any) -> DispatchProblem:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def technician(self, technician_id: str) -> Technician:
        """The technician with this id."""
        for t in self.technicians:
            if t.id == technician_id:
                return t
        raise KeyError(technician_id)

    # Python lists of the matrices: reading a numpy matrix one element at a time costs more than timing
    # a route, which reads it once per leg (computed once per problem, on first use).
    @functools.cached_property
    def duration_rows(self) -> list[list[int]]:
        return self.duration.tolist()

    @functools.cached_property
    def distance_rows(self) -> list[list[int]]:
        return self.distance.tolist()

    @property
    def horizon(self) -> int:
        """The last time anything can happen."""
        ends = [s.end + s.max_overtime for t in self.technicians for s in t.shifts]
        ends += [w.end for j in self.jobs for w in j.windows]
        return max(ends, default=0)
