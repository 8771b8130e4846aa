"""The solver's output: routes of stops per technician shift, unassigned jobs with reasons, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Reason(StrEnum):
    """Why a job is not in the plan."""

    NO_SKILL = "no technician has the skill"
    NO_TOOLS_OR_PARTS = "no technician has the tools or parts"
    WINDOW_UNREACHABLE = "no shift can reach the window"
    TOO_LONG = "longer than any shift"
    PINNED_TECHNICIAN_CANNOT = "the pinned technician cannot take it"
    NO_CAPACITY = "no capacity"


class Status(StrEnum):
    """How the solve ended; infeasibility is a status, not an exception."""

    OPTIMAL_OR_FEASIBLE = "feasible"
    NO_SOLUTION = "no solution"
    EMPTY = "nothing to plan"


@dataclass(frozen=True)
class Stop:
    """One visit in a route: arrival at the door, start and end of service (time units)."""

    job: str
    arrival: int
    start: int
    end: int


@dataclass(frozen=True)
class BreakTaken:
    """A break between stop `after` and the next one (-1: before the first stop)."""

    start: int
    end: int
    after: int


@dataclass(frozen=True)
class Route:
    """One technician's ordered stops in one shift."""

    technician: str
    shift: int
    depart: int
    stops: tuple[Stop, ...]
    back: int
    breaks: tuple[BreakTaken, ...] = ()
    restock_after: int | None = None  # index of the stop after which it restocks (-1: before the first)
    distance: int = 0


@dataclass(frozen=True)
class Unassigned:
    """A job left out, and why."""

    job: str
    reason: Reason


@dataclass(frozen=True)
class Figures:
    """What the plan predicts; the checker recomputes each of them."""

    served: int
    unassigned: int
    on_target: int
    within_promise: int
    distance: int
    overtime: int
    working_time: int


@dataclass(frozen=True)
class Plan:
    """A solve result."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    figures: Figures
    objective: int
    status: Status
    runtime_s: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def route_of(self, technician: str, shift: int = 0) -> Route | None:
        """The route of a technician's shift, if it works."""
        for route in self.routes:
            if route.technician == technician and route.shift == shift:
                return route
        return None

    def assignment(self) -> dict[str, str]:
        """Job id -> technician id, for every routed job."""
        return {stop.job: route.technician for route in self.routes for stop in route.stops}
