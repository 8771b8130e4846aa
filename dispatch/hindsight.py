"""A scenario planned in hindsight: every call and every visit's real length known from the start.

No dispatcher can know either, so this is the reference a replay's rates are read against, not a policy:
one static plan of the whole horizon in which each call must be reached by its deadline (the 6-hour
target, or the 24-hour promise; an appointment's end for both) and may not be reached before it was
received. The count of calls it reaches is what the solver finds in the time given (a heuristic, not a
proof), after a relaxation in the calls' favour: a technician may wait at a customer before the call
comes in, where the replay lets it leave only once the call is received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.replay import Call, WorkShift, parse_scenario
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
    """The whole scenario, as the replay reads it, in one problem: times in seconds from its start, real
    visit lengths, each call's window from its receipt to its deadline (an appointment: its own window,
    from receipt)."""
    if deadline not in DEADLINES:
        raise ValueError(f"deadline must be one of {DEADLINES}, not {deadline!r}")
    scenario = parse_scenario(raw)

    def seconds(moment: datetime) -> int:
        return max(0, round((moment - scenario.start).total_seconds()))

    cap = round(overtime_cap_min * 60)
    technicians = tuple(
        Technician(
            crew.id,
            crew.depot_point,
            crew.depot_point,
            tuple(_shift(shift, seconds, cap) for shift in crew.shifts),
            skills=crew.skills,
        )
        for crew in scenario.crew
    )
    jobs = tuple(
        Job(call.id, call.point, call.actual_min * 60, skill=call.skill, windows=(_window(call, seconds, deadline),))
        for call in scenario.calls
    )
    return DispatchProblem(scenario.distance_m, scenario.duration_s, technicians, jobs, Weights(balance=0))


def _shift(shift: WorkShift, seconds: Callable[[datetime], int], cap: int) -> Shift:
    rest = None
    if shift.break_earliest is not None and shift.break_latest is not None:
        rest = Break(shift.break_minutes * 60, seconds(shift.break_earliest), seconds(shift.break_latest))
    return Shift(seconds(shift.start), seconds(shift.end), rest, cap)


def _window(call: Call, seconds: Callable[[datetime], int], deadline: str) -> Window:
    received = seconds(call.received_at)
    if call.window is not None:
        return Window(max(received, seconds(call.window[0])), seconds(call.window[1]))
    return Window(received, seconds(call.target if deadline == "target" else call.promise))


def plan_in_hindsight(
    raw: dict[str, Any], deadline: str, time_limit_s: float, overtime_cap_min: float = 180.0
) -> Hindsight:
    """Plan the scenario in hindsight for `deadline` and count the calls reached by it."""
    problem = hindsight_problem(raw, deadline, overtime_cap_min)
    plan: Plan = solve(problem, SolveParams(time_limit_s=time_limit_s))
    reached = sum(len(route.stops) for route in plan.routes)
    return Hindsight(deadline, len(problem.jobs), reached, plan.figures.distance / 1000, len(check(problem, plan)))
