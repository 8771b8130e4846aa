"""A scenario planned in hindsight: every call and every visit's real length known from the start.

No dispatcher can know either, so this is the reference a replay's rates are read against, not a policy:
one static plan of the whole horizon in which each call must be reached by its deadline (the 6-hour
target, or the 24-hour promise; an appointment's end for both) and may not be reached before it was
received. The count of calls it reaches is what the solver finds in the time given (a heuristic, not a
proof), after a relaxation in the calls' favour: a technician may wait at a customer before the call
comes in, where the replay lets it leave only once the call is received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatch.geo import TravelModel
from solver import Break, DispatchProblem, Job, Plan, Shift, SolveParams, Technician, Weights, Window, check, solve

DEADLINES = ("target", "promise")


@dataclass(frozen=True)
class Hindsight:
    """How many calls a plan made in hindsight reaches by one deadline."""

    deadline: str  # "target" or "promise"
    calls: int
    reached: int
    travel_km: float
    violations: int  # rules the independent plan checker finds broken (0 for a sound plan)

    @property
    def rate(self) -> float:
        return self.reached / self.calls if self.calls else 0.0


def hindsight_problem(raw: dict[str, Any], deadline: str, overtime_cap_min: float) -> DispatchProblem:
    """The whole scenario as one problem: times in seconds from its start, real visit lengths, each
    call's window from its receipt to its deadline (an appointment: its own window, from receipt)."""
    if deadline not in DEADLINES:
        raise ValueError(f"deadline must be one of {DEADLINES}, not {deadline!r}")
    origin = datetime.fromisoformat(raw["start"])

    def seconds(moment: str) -> int:
        return max(0, round((datetime.fromisoformat(moment) - origin).total_seconds()))

    depots = {d["id"]: i for i, d in enumerate(raw["depots"])}
    points = [(d["lat"], d["lon"]) for d in raw["depots"]]
    points += [(c["customer"]["lat"], c["customer"]["lon"]) for c in raw["calls"]]
    matrix = TravelModel(road_factor=raw["travel"]["road_factor"], speed_kmh=raw["travel"]["speed_kmh"]).matrix(points)
    cap = round(overtime_cap_min * 60)
    technicians = tuple(
        Technician(
            t["id"],
            depots[t["depot"]],
            depots[t["depot"]],
            tuple(_shift(s, seconds, cap) for s in t["shifts"]),
            skills=frozenset(t["skills"]),
        )
        for t in raw["technicians"]
    )
    hours = raw["sla"][f"{deadline}_hours"]
    jobs = tuple(
        Job(
            c["id"],
            len(depots) + i,
            int(c["actual_duration_min"]) * 60,
            skill=f"{c['product']}:{c['job_type']}",
            windows=(_window(c, seconds, hours),),
        )
        for i, c in enumerate(raw["calls"])
    )
    return DispatchProblem(matrix.distance_m, matrix.duration_s, technicians, jobs, Weights(balance=0))


def _shift(shift: dict[str, Any], seconds: Any, cap: int) -> Shift:
    pause = shift.get("break")
    rest = Break(int(pause["minutes"]) * 60, seconds(pause["earliest"]), seconds(pause["latest"])) if pause else None
    return Shift(seconds(shift["start"]), seconds(shift["end"]), rest, cap)


def _window(call: dict[str, Any], seconds: Any, hours: float) -> Window:
    received = seconds(call["received_at"])
    if call.get("window"):
        return Window(max(received, seconds(call["window"]["start"])), seconds(call["window"]["end"]))
    due = datetime.fromisoformat(call["received_at"]) + timedelta(hours=hours)
    return Window(received, seconds(due.isoformat()))


def plan_in_hindsight(
    raw: dict[str, Any], deadline: str, time_limit_s: float, overtime_cap_min: float = 180.0
) -> Hindsight:
    """Plan the scenario in hindsight for `deadline` and count the calls reached by it."""
    problem = hindsight_problem(raw, deadline, overtime_cap_min)
    plan: Plan = solve(problem, SolveParams(time_limit_s=time_limit_s))
    reached = sum(len(route.stops) for route in plan.routes)
    return Hindsight(deadline, len(problem.jobs), reached, plan.figures.distance / 1000, len(check(problem, plan)))
