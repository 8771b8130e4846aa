"""A PyVRP (hybrid genetic search) stage whose routes seed OR-Tools; the only module importing pyvrp.

PyVRP knows time windows, capacities, shifts, reloads and distance/duration costs, not soft
deadlines, breaks or pins. Skills and tools become extra load dimensions (a technician without the
skill has capacity 0 in it), maximum visits another; a restocking visit is a reload whose
effect (every tool, plenty of parts) is modelled as initial load dropped at the reload.
Problems it cannot express (pins, several windows per job) are not seeded; breaks and deadlines
are left to OR-Tools, which starts from the seed and must accept it as feasible in the full model.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from solver.problem import DispatchProblem, Job, Technician, Weights
from solver.routing import RESTOCK


def can_seed(problem: DispatchProblem, jobs: list[int]) -> bool:
    """Whether PyVRP can express the problem's jobs and technicians."""
    return all(
        len(problem.jobs[j].windows) <= 1
        and problem.jobs[j].pin_technician is None
        and problem.jobs[j].pin_start is None
        and problem.jobs[j].pin_position is None
        for j in jobs
    )


def seed_routes(
    problem: DispatchProblem,
    jobs: list[int],
    vehicles: list[tuple[int, int]],
    time_limit_s: float,
    seed: int = 1,
) -> dict[int, list[int]] | None:
    """Vehicle index -> job indices in order (RESTOCK for a restocking visit), from a PyVRP solve.

    None when PyVRP found nothing feasible.

    Parameters
    ----------
    jobs
        Problem indices of the jobs to route (those that passed the prechecks).
    vehicles
        (technician index, shift index) of each routing vehicle, as OR-Tools numbers them.
    """
    if not jobs or not vehicles or not can_seed(problem, jobs):
        return None
    dims = _dimensions(problem, jobs)
    depots = sorted({loc for t, _ in vehicles for loc in _ends(problem.technicians[t]) if loc is not None})
    depot_index = {loc: i for i, loc in enumerate(depots)}
    unit = _time_unit(problem)
    types, members = _vehicle_types(problem, vehicles, dims, depot_index, unit)
    prizes = _prize_weights(problem, unit)
    clients = [_client(problem.jobs[j], dims, unit, prizes) for j in jobs]
    n = problem.distance.shape[0]
    data = pyvrp.ProblemData(
        [pyvrp.Location(0, 0) for _ in range(n)],
        clients,
        [pyvrp.Depot(loc) for loc in depots],
        types,
        [np.asarray(problem.distance, dtype=np.int64)],  # type: ignore[list-item]
        [-(-np.asarray(problem.duration, dtype=np.int64) // unit)],  # type: ignore[list-item]
    )
    result = pyvrp.solve(data, MaxRuntime(max(0.05, time_limit_s)), seed=seed, display=False)
    if not result.best.is_feasible():
        return None
    routes: dict[int, list[int]] = {}
    used: dict[int, int] = defaultdict(int)
    for route in result.best.routes():
        kind = route.vehicle_type()
        vehicle = members[kind][used[kind]]
        used[kind] += 1
        visits = list(route.schedule())[1:-1]  # without the start and end depots
        routes[vehicle] = [jobs[a.idx] if a.is_client() else RESTOCK for a in visits]
    return routes


def _ends(tech: Technician) -> tuple[int, int, int | None]:
    return tech.start_location, tech.end_location, tech.restock_location


def _dimensions(problem: DispatchProblem, jobs: list[int]) -> list[tuple[str, str]]:
    """Load dimensions: ("part", p) quantities, ("skill", s) and ("tool", t) as 0/1 gates, ("visits", "")."""
    selected = [problem.jobs[j] for j in jobs]
    dims = [("part", p) for p in sorted({p for job in selected for p in job.parts})]
    dims += [("skill", s) for s in sorted({job.skill for job in selected if job.skill is not None})]
    dims += [("tool", t) for t in sorted({t for job in selected for t in job.tools})]
    if any(t.max_visits is not None for t in problem.technicians):
        dims.append(("visits", ""))
    return dims


def _time_unit(problem: DispatchProblem) -> int:
    """Coarser time for PyVRP when the horizon is long: its penalty manager copes badly with loads of
    a few units next to durations in the millions. Durations round up and windows inwards, so a
    seed feasible in coarse time is feasible in the problem's own."""
    return max(1, problem.horizon // 100_000)


def _prize_weights(problem: DispatchProblem, unit: int) -> Weights:
    """The weights with the drop cost capped just above what serving any one job can cost, so that a
    job's prize is its drop cost (times priority and drop share) under that cap: a huge prize would
    make PyVRP prefer overloaded (infeasible) routes to leaving a job out."""
    weights = problem.weights
    horizon = problem.horizon // unit
    worth = 4 * (int(problem.distance.max()) * weights.distance + horizon * max(1, weights.route_time) + 1)
    return dataclasses.replace(weights, drop=min(weights.drop, worth))


def _client(job: Job, dims: list[tuple[str, str]], unit: int, prizes: Weights) -> pyvrp.Client:
    delivery = [
        job.parts.get(name, 0)
        if kind == "part"
        else int(job.skill == name)
        if kind == "skill"
        else int(name in job.tools)
        if kind == "tool"
        else 1
        for kind, name in dims
    ]
    window = job.windows[0] if job.windows else None
    return pyvrp.Client(
        job.location,
        delivery=delivery,
        service_duration=-(-job.service // unit),
        tw_early=-(-window.start // unit) if window else 0,
        tw_late=window.end // unit if window else 2**40,
        prize=prizes.drop_cost(job),
        required=False,
    )


def _vehicle_types(
    problem: DispatchProblem,
    vehicles: list[tuple[int, int]],
    dims: list[tuple[str, str]],
    depot_index: dict[int, int],
    unit: int,
) -> tuple[list[pyvrp.VehicleType], list[list[int]]]:
    """One PyVRP vehicle type per distinct technician shift; `members[k]` its OR-Tools vehicles."""
    big = len(problem.jobs) + sum(sum(job.parts.values()) for job in problem.jobs) + 1
    keys: dict[tuple[object, ...], int] = {}
    types: list[pyvrp.VehicleType] = []
    members: list[list[int]] = []
    weights = problem.weights
    for v, (t, k) in enumerate(vehicles):
        tech, shift = problem.technicians[t], problem.technicians[t].shifts[k]
        capacity, initial = _loads(tech, dims, big)
        key = (*_ends(tech), shift.start, shift.end, shift.max_overtime, tuple(capacity), tuple(initial))
        if key not in keys:
            keys[key] = len(types)
            types.append(
                pyvrp.VehicleType(
                    1,  # the real count is set below, once every member is known
                    capacity=capacity,
                    start_depot=depot_index[tech.start_location],
                    end_depot=depot_index[tech.end_location],
                    tw_early=-(-shift.start // unit),
                    tw_late=(shift.end + shift.max_overtime) // unit,
                    unit_distance_cost=weights.distance,
                    unit_duration_cost=weights.route_time,
                    initial_load=initial,
                    reload_depots=[] if tech.restock_location is None else [depot_index[tech.restock_location]],
                    max_reloads=1,
                )
            )
            members.append([])
        members[keys[key]].append(v)
    types = [vt.replace(num_available=len(m)) for vt, m in zip(types, members, strict=True)]
    return types, members


def _loads(tech: Technician, dims: list[tuple[str, str]], big: int) -> tuple[list[int], list[int]]:
    """Capacity and initial load per dimension.

    Without a restock, skills and tools are gates (capacity 0 or `big`) and parts the stock on
    board. With one, tools and parts get room for everything, and what the technician lacks is
    initial load: PyVRP drops initial load at the first reload, so the restock frees that room.
    """
    capacity, initial = [], []
    restocks = tech.restock_location is not None
    for kind, name in dims:
        if kind == "skill":
            capacity.append(big * int(name in tech.skills))
            initial.append(0)
        elif kind == "visits":
            capacity.append(tech.max_visits if tech.max_visits is not None else big)
            initial.append(0)
        elif not restocks:
            capacity.append(tech.parts.get(name, 0) if kind == "part" else big * int(name in tech.tools))
            initial.append(0)
        else:
            on_board = min(big, tech.parts.get(name, 0)) if kind == "part" else big * int(name in tech.tools)
            capacity.append(big)
            initial.append(big - on_board)
    return capacity, initial
