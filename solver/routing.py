"""solve(problem, params) -> Plan with OR-Tools' routing library; the only module importing ortools.

Model: each (technician, shift) is one routing vehicle. Arc cost = distance weight x distance.
A time dimension (transit = service at the origin + travel) carries windows, shifts, breaks,
overtime (soft upper bound at shift end) and the promise (soft upper bound per job); a copy of it
carries the target, because OR-Tools keeps one soft bound per variable. A visit-count dimension
carries fixed positions and maximum visits; one capacity dimension per spare part carries stock.
Jobs are optional (disjunctions) at `drop x priority x drop share`, so a plan always exists.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.insertion import fill_in
from solver.params import SolveParams
from solver.plan import Plan, Reason, Route, Status, Unassigned
from solver.prechecks import Candidate, classify
from solver.problem import DispatchProblem, Job, Shift, Technician, Weights
from solver.schedule import make_plan, schedule, timed

RESTOCK = -1  # marks the restocking visit in a seeded order of job indices
FIRST_PLAN_CAP_S = 600  # how long to search on for a first plan when the time limit ran out first
# Share of the time limit that reading a warm start or a seed into OR-Tools may take: routes that no
# longer fit (starts and breaks moved on) can make it search long for break placements, and the search
# then starts cold with the rest.
READ_SHARE = 0.25
# Share of the time limit kept for fitting the jobs the search left out into its routes (see
# `solver.insertion`): the search with breaks tries few moves, and a job it left out stays out.
FILL_IN_SHARE = 0.2


@dataclass(frozen=True)
class _Layout:
    """Routing nodes: 0..J-1 the plannable jobs, a start and an end node per vehicle, then one
    optional restocking node per vehicle whose technician may restock."""

    jobs: list[int]  # problem job index of each job node
    vehicles: list[tuple[int, int]]  # (technician index, shift index) of each vehicle
    locations: NDArray[np.int64]  # matrix location of each node
    service: NDArray[np.int64]  # service time of each node
    restock: dict[int, int]  # vehicle -> its restocking node

    def start_node(self, vehicle: int) -> int:
        return len(self.jobs) + 2 * vehicle

    def end_node(self, vehicle: int) -> int:
        return len(self.jobs) + 2 * vehicle + 1


def solve(
    problem: DispatchProblem,
    params: SolveParams | None = None,
    warm_start: Plan | None = None,
    on_solution: Callable[[int], None] | None = None,
) -> Plan:
    """Plan the problem's jobs; jobs that cannot or could not be served come back unassigned with a reason.

    Parameters
    ----------
    problem
        The frozen problem.
    params
        Limits and strategies (default: 10 s, parallel cheapest insertion, guided local search).
    warm_start
        A previous plan whose routes seed the search (re-planning is then fast and stable).
    on_solution
        Called with the objective each time the search accepts a plan (progress for a page; the
        best so far is the smallest value seen).
    """
    params = params or SolveParams()
    began = time.perf_counter()
    unassigned: list[Unassigned] = []
    candidates: dict[int, list[Candidate]] = {}
    for j, job in enumerate(problem.jobs):
        fits, reason = classify(problem, job)
        if reason is None:
            candidates[j] = fits
        else:
            unassigned.append(Unassigned(job.id, reason))
    vehicles = [(t, k) for t, tech in enumerate(problem.technicians) for k in range(len(tech.shifts))]
    if not candidates or not vehicles:
        return make_plan(problem, (), unassigned, 0, Status.EMPTY, began)
    layout = _layout(problem, sorted(candidates), vehicles)
    seeded = None
    if params.seed_share > 0 and warm_start is None:
        from solver.seeding import seed_routes  # only this stage needs pyvrp

        seeded = seed_routes(problem, layout.jobs, vehicles, params.time_limit_s * params.seed_share, params.seed)
    if seeded is not None and params.seed_share >= 1 and not _has_breaks(problem):
        return _plan_from_orders(problem, layout, seeded, unassigned, began)  # PyVRP knows no breaks
    if warm_start is None and _worth_relaxing(problem, layout):
        return _solve_relaxed(problem, layout, candidates, params, seeded, unassigned, began, on_solution)
    model = _RoutingModel(problem, layout, candidates, on_solution)
    remaining = params.time_limit_s * (1 - FILL_IN_SHARE) - (time.perf_counter() - began)
    solution = model.run(params, remaining, warm_start, seeded)
    if (solution is None or not model.serves_any(solution)) and _has_breaks(problem):
        # OR-Tools' first-solution heuristics can fail outright on breaks whose guard blocks much of
        # the day (guangzhou-peak, 124 jobs, guard 2: nothing served after 10 s); the model without
        # breaks always starts, and its routes are then timed with the real breaks.
        return _solve_relaxed(problem, layout, candidates, params, seeded, unassigned, began, on_solution)
    if solution is None:
        dropped = [Unassigned(problem.jobs[j].id, Reason.NO_CAPACITY) for j in layout.jobs]
        return make_plan(problem, (), unassigned + dropped, 0, Status.NO_SOLUTION, began)
    routes, served = model.routes(solution)
    left_out = [j for j in layout.jobs if problem.jobs[j].id not in served]
    routes, left_out = _fill_in(problem, layout, routes, left_out, candidates, began + params.time_limit_s)
    unassigned += [Unassigned(problem.jobs[j].id, Reason.NO_CAPACITY) for j in left_out]
    return make_plan(problem, tuple(routes), unassigned, solution.ObjectiveValue(), Status.OPTIMAL_OR_FEASIBLE, began)


def _fill_in(
    problem: DispatchProblem,
    layout: _Layout,
    routes: list[Route],
    left_out: list[int],
    candidates: dict[int, list[Candidate]],
    deadline: float,
) -> tuple[list[Route], list[int]]:
    """The routes with left-out jobs fitted in where they still fit (`solver.insertion.fill_in`);
    routes with a restocking stop keep their jobs as they are."""
    if not left_out:
        return routes, left_out
    index = {job.id: j for j, job in enumerate(problem.jobs)}
    found = {(problem.technicians.index(problem.technician(r.technician)), r.shift): r for r in routes}
    orders = {
        pair: [index[s.job] for s in found[pair].stops] if pair in found else []
        for pair in layout.vehicles
        if pair not in found or found[pair].restock_after is None
    }
    earliest = _earliest_shift_start(problem)
    bounds = [lateness_bounds(job, problem.weights, earliest, problem.horizon) for job in problem.jobs]
    filled, left_out = fill_in(problem, orders, left_out, candidates, bounds, deadline)
    kept = [r for pair, r in found.items() if pair not in orders or filled[pair] == orders[pair]]
    changed = [
        schedule(problem, problem.technicians[t], k, jobs, None, None)
        for (t, k), jobs in filled.items()
        if jobs and jobs != orders[(t, k)]
    ]
    return kept + changed, left_out


def lateness_bounds(job: Job, weights: Weights, earliest: int, horizon: int) -> list[tuple[int, int]]:
    """The job's target and promise costs as (bound, cost per unit late) soft upper bounds on its start.

    OR-Tools keeps one soft bound per variable, and a second one costs a copy of the time dimension,
    so deadlines that cannot change the choice merge: a deadline at or after the horizon costs nothing,
    and one already past at the `earliest` start is linear (same slope, a constant apart), which adds
    to the other's slope when that one is past too. Two bounds remain only when the promise is still
    ahead while the target is missed or ahead.
    """
    late = [
        (deadline, round(weight * job.priority))
        for deadline, weight in (
            (job.target if job.target_priced else None, weights.target_late),
            (job.promise, weights.promise_late),
        )
        if deadline is not None and deadline < horizon and weight > 0
    ]
    if len(late) == 2 and max(d for d, _ in late) <= earliest:
        return [(max(d for d, _ in late), sum(c for _, c in late))]
    return sorted(late, key=lambda b: -b[1])  # the dearer (promise) on the time dimension itself


def _has_breaks(problem: DispatchProblem) -> bool:
    return any(s.pause is not None and s.pause.duration > 0 for t in problem.technicians for s in t.shifts)


# From this many jobs on, a problem with breaks or needing two deadline bounds per job is solved
# without them (see `_solve_relaxed`): OR-Tools' break propagation and the copy of the time dimension
# make a first plan ten times slower (measured: 200 technicians / 2,000 jobs, BENCHMARKS.md "Scale").
RELAX_FROM_JOBS = 500


def _worth_relaxing(problem: DispatchProblem, layout: _Layout) -> bool:
    if len(layout.jobs) < RELAX_FROM_JOBS:
        return False
    earliest, horizon = _earliest_shift_start(problem), problem.horizon
    two_bounds = any(len(lateness_bounds(problem.jobs[j], problem.weights, earliest, horizon)) > 1 for j in layout.jobs)
    return two_bounds or _has_breaks(problem)


def _earliest_shift_start(problem: DispatchProblem) -> int:
    return min(s.start for t in problem.technicians for s in t.shifts)


def _solve_relaxed(
    problem: DispatchProblem,
    layout: _Layout,
    candidates: dict[int, list[Candidate]],
    params: SolveParams,
    seeded: dict[int, list[int]] | None,
    unassigned: list[Unassigned],
    began: float,
    on_solution: Callable[[int], None] | None = None,
) -> Plan:
    """Large problems: search without breaks (each shift shortened by its break instead) and with the
    promise alone where a job would need two deadline bounds; then time every route with its real
    break, keeping each job only if the route so far still fits (the rest come back unassigned)."""
    earliest, horizon = _earliest_shift_start(problem), problem.horizon
    relaxed = problem.replace(
        technicians=tuple(
            dataclasses.replace(t, shifts=tuple(_without_break(s) for s in t.shifts)) for t in problem.technicians
        ),
        jobs=tuple(
            dataclasses.replace(j, target=None)
            if len(lateness_bounds(j, problem.weights, earliest, horizon)) > 1
            else j
            for j in problem.jobs
        ),
    )
    model = _RoutingModel(relaxed, layout, candidates, on_solution)
    solution = model.run(params, params.time_limit_s - (time.perf_counter() - began), None, seeded)
    if solution is None:
        dropped = [Unassigned(problem.jobs[j].id, Reason.NO_CAPACITY) for j in layout.jobs]
        return make_plan(problem, (), unassigned + dropped, 0, Status.NO_SOLUTION, began)
    orders = {}
    for v, (t, k) in enumerate(layout.vehicles):
        order = [RESTOCK if node == layout.restock.get(v) else layout.jobs[node] for node in model._nodes(solution, v)]
        orders[v] = _feasible_prefix_order(problem, problem.technicians[t], k, order)
    return _plan_from_orders(problem, layout, orders, unassigned, began, solution.ObjectiveValue())


def _without_break(shift: Shift) -> Shift:
    if shift.pause is None:
        return shift
    end = max(shift.start, shift.end - shift.pause.duration)
    return Shift(shift.start, end, None, shift.max_overtime)


def _feasible_prefix_order(problem: DispatchProblem, tech: Technician, shift_index: int, order: list[int]) -> list[int]:
    """The order with each job kept only if the route so far stays feasible with the real shift and break."""
    kept: list[int] = []
    for j in order:
        trial = [*kept, j]
        jobs = [x for x in trial if x != RESTOCK]
        restock_after = trial.index(RESTOCK) - 1 if RESTOCK in trial else None
        if j == RESTOCK or not jobs or timed(problem, tech, shift_index, jobs, None, None, restock_after) is not None:
            kept = trial
    return kept


def _plan_from_orders(
    problem: DispatchProblem,
    layout: _Layout,
    orders: dict[int, list[int]],
    unassigned: list[Unassigned],
    began: float,
    objective: int = 0,
) -> Plan:
    """A plan from routes found elsewhere (PyVRP alone, a relaxed model), timed by the same schedule rules."""
    routes = []
    for v, order in sorted(orders.items()):
        jobs = [j for j in order if j >= 0]
        if jobs:
            t, k = layout.vehicles[v]
            restock_after = order.index(RESTOCK) - 1 if RESTOCK in order else None
            routes.append(schedule(problem, problem.technicians[t], k, jobs, None, None, restock_after))
    served = {s.job for r in routes for s in r.stops}
    unassigned = unassigned + [
        Unassigned(problem.jobs[j].id, Reason.NO_CAPACITY) for j in layout.jobs if problem.jobs[j].id not in served
    ]
    return make_plan(problem, tuple(routes), unassigned, objective, Status.OPTIMAL_OR_FEASIBLE, began)


def _layout(problem: DispatchProblem, jobs: list[int], vehicles: list[tuple[int, int]]) -> _Layout:
    locations = [problem.jobs[j].location for j in jobs]
    service = [problem.jobs[j].service for j in jobs]
    for t, _ in vehicles:
        tech = problem.technicians[t]
        locations += [tech.start_location, tech.end_location]
        service += [0, 0]
    restock = {}
    for v, (t, _) in enumerate(vehicles):
        place = problem.technicians[t].restock_location
        if place is not None:
            restock[v] = len(locations)
            locations.append(place)
            service.append(0)
    arrays = (np.asarray(locations, dtype=np.int64), np.asarray(service, dtype=np.int64))
    return _Layout(jobs, vehicles, *arrays, restock)


class _RoutingModel:
    """The OR-Tools model of one problem."""

    def __init__(
        self,
        problem: DispatchProblem,
        layout: _Layout,
        candidates: dict[int, list[Candidate]],
        on_solution: Callable[[int], None] | None = None,
    ) -> None:
        self.problem = problem
        self.layout = layout
        self.allowed: dict[int, set[int]] = {}  # job node -> the vehicles that may serve it
        self._closed = False  # closed once, by the first routes read in
        n_vehicles = len(layout.vehicles)
        starts = [layout.start_node(v) for v in range(n_vehicles)]
        ends = [layout.end_node(v) for v in range(n_vehicles)]
        self.manager = pywrapcp.RoutingIndexManager(len(layout.locations), n_vehicles, starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        loc = layout.locations
        self.travel = problem.duration[np.ix_(loc, loc)]
        self.distance = problem.distance[np.ix_(loc, loc)]
        self._arc_costs()
        self.time = self._time_dimension("time")
        self._earliest_start = _earliest_shift_start(problem)
        self.target_time = self._time_dimension("target") if self._needs_target_copy() else None
        self._shifts_and_breaks()
        self._leave_within_shifts()
        self._jobs(candidates)
        self._counts()
        self._restocks()
        self._parts()
        self._tools()
        if on_solution is not None:
            # The cost variable exists once the model is closed; the lambda is kept alive here.
            self._report = lambda: on_solution(int(self.routing.CostVar().Value()))
            self.routing.AddAtSolutionCallback(self._report)

    # --- model building -------------------------------------------------------------------
    def _arc_costs(self) -> None:
        """Distance, plus the route-time weight on each arc's transit: a route's span is its transits
        plus its waits (slack, costed in `_time_dimension`), and putting the transit part on the arcs
        gives guided local search something to guide (it penalises arcs, not spans)."""
        weights = self.problem.weights
        transit = self.travel + self.layout.service[:, None]
        cost = (self.distance * weights.distance + transit * weights.route_time).tolist()
        self.routing.SetArcCostEvaluatorOfAllVehicles(self.routing.RegisterTransitMatrix(cost))

    def _time_dimension(self, name: str) -> pywrapcp.RoutingDimension:
        transit = (self.travel + self.layout.service[:, None]).tolist()
        callback = self.routing.RegisterTransitMatrix(transit)
        horizon = self.problem.horizon + 1
        self.routing.AddDimension(callback, horizon, horizon, False, name)
        dimension = self.routing.GetDimensionOrDie(name)
        if name == "time":
            weights = self.problem.weights
            dimension.SetSlackCostCoefficientForAllVehicles(weights.route_time)
            dimension.SetGlobalSpanCostCoefficient(weights.balance)
        return dimension

    def _needs_target_copy(self) -> bool:
        return any(len(self._bounds(self.problem.jobs[j])) > 1 for j in self.layout.jobs)

    def _bounds(self, job: Job) -> list[tuple[int, int]]:
        return lateness_bounds(job, self.problem.weights, self._earliest_start, self.problem.horizon)

    def _shifts_and_breaks(self) -> None:
        solver = self.routing.solver()
        services = [int(self.layout.service[self.manager.IndexToNode(i)]) for i in range(self.routing.Size())]
        for v, (t, k) in enumerate(self.layout.vehicles):
            shift = self.problem.technicians[t].shifts[k]
            start, end = self.routing.Start(v), self.routing.End(v)
            for dimension in self._time_dimensions():
                dimension.CumulVar(start).SetRange(shift.start, shift.end)
                dimension.CumulVar(end).SetRange(shift.start, shift.end + shift.max_overtime)
            if shift.max_overtime:
                self.time.SetCumulVarSoftUpperBound(end, shift.end, self.problem.weights.overtime)
            if shift.pause is not None and shift.pause.duration > 0:
                pause = solver.FixedDurationIntervalVar(
                    shift.pause.earliest, shift.pause.latest, shift.pause.duration, False, f"break {v}"
                )
                # The break may not start within a visit stretched by its guard (see `Break`).
                guarded = [round(s * shift.pause.guard) for s in services]
                self.time.SetBreakIntervalsOfVehicle([pause], v, guarded)
        if self.target_time is not None:
            for v in range(len(self.layout.vehicles)):
                for index in (self.routing.Start(v), self.routing.End(v)):
                    solver.Add(self.target_time.CumulVar(index) == self.time.CumulVar(index))

    def _leave_within_shifts(self) -> None:
        """A technician leaves for a visit only during its shift: overtime finishes the last visit and
        drives home, it starts no new one. Without this rule a plan fills the overtime with visits that
        never happen (the technician has gone home) and that another technician could have made."""
        shifts = [self.problem.technicians[t].shifts[k] for t, k in self.layout.vehicles]
        if not any(s.max_overtime for s in shifts):
            return  # back by the shift's end: every departure is within it
        solver = self.routing.solver()
        never = self.problem.horizon + 2 + int(self.layout.service.max())  # past any job's departure
        leave_by = [never, *(s.end for s in shifts)]  # by vehicle + 1 (unperformed: -1)
        homes = [self.routing.End(v) for v in range(len(shifts))]
        nodes = [*range(len(self.layout.jobs)), *self.layout.restock.values()]
        for node in nodes:
            index = self.manager.NodeToIndex(node)
            latest = solver.Element(leave_by, (self.routing.VehicleVar(index) + 1).Var())
            leaves_late = solver.IsGreaterVar(self.time.CumulVar(index) + int(self.layout.service[node]), latest)
            solver.Add(leaves_late <= solver.IsMemberVar(self.routing.NextVar(index), homes))

    def _time_dimensions(self) -> list[pywrapcp.RoutingDimension]:
        return [self.time] if self.target_time is None else [self.time, self.target_time]

    def _jobs(self, candidates: dict[int, list[Candidate]]) -> None:
        weights = self.problem.weights
        vehicle_of = {pair: v for v, pair in enumerate(self.layout.vehicles)}
        for node, j in enumerate(self.layout.jobs):
            job = self.problem.jobs[j]
            index = self.manager.NodeToIndex(node)
            allowed = sorted(vehicle_of[(c.technician, c.shift)] for c in candidates[j])
            self.allowed[node] = set(allowed)
            # SetAllowedVehiclesForIndex rejects a list in OR-Tools 9.15's Python binding.
            self.routing.VehicleVar(index).SetValues([-1, *allowed])
            self.routing.AddDisjunction([index], weights.drop_cost(job))
            self._window(index, job)
            self._deadlines(index, job)
            if job.pin_start is not None:
                self.time.CumulVar(index).SetValue(job.pin_start)
            if job.dispatched_to is not None and weights.move:
                self._stay_with(index, job.dispatched_to)

    def _window(self, index: int, job: Job) -> None:
        if not job.windows:
            return
        windows = sorted(job.windows, key=lambda w: w.start)
        for dimension in self._time_dimensions():
            cumul = dimension.CumulVar(index)
            cumul.SetRange(windows[0].start, windows[-1].end)
            for before, after in itertools.pairwise(windows):
                if after.start > before.end + 1:
                    cumul.RemoveInterval(before.end + 1, after.start - 1)

    def _deadlines(self, index: int, job: Job) -> None:
        bounds = self._bounds(job)
        for (bound, cost), dimension in zip(bounds, self._time_dimensions(), strict=False):
            dimension.SetCumulVarSoftUpperBound(index, bound, cost)
        if len(bounds) > 1 and self.target_time is not None:
            self.routing.solver().Add(self.target_time.CumulVar(index) == self.time.CumulVar(index))

    def _stay_with(self, index: int, technician_id: str) -> None:
        """Moving the job off the vehicles of the technician it was dispatched to costs `move`."""
        for v, (t, _) in enumerate(self.layout.vehicles):
            if self.problem.technicians[t].id == technician_id:
                self.routing.AddSoftSameVehicleConstraint([index, self.routing.Start(v)], self.problem.weights.move)
                return

    def _counts(self) -> None:
        jobs = [self.problem.jobs[j] for j in self.layout.jobs]
        techs = self.problem.technicians
        if not any(j.pin_position is not None for j in jobs) and all(t.max_visits is None for t in techs):
            return
        size = len(jobs) + 1
        self.routing.AddConstantDimension(1, size + 1, True, "visits")
        visits = self.routing.GetDimensionOrDie("visits")
        for node, job in enumerate(jobs):
            if job.pin_position is not None:
                visits.CumulVar(self.manager.NodeToIndex(node)).SetValue(job.pin_position + 1)
        for v, (t, _) in enumerate(self.layout.vehicles):
            limit = techs[t].max_visits
            if limit is not None:
                visits.CumulVar(self.routing.End(v)).SetMax(limit + 1)

    def _restocks(self) -> None:
        """Each restocking node is optional (free to skip) and belongs to its own vehicle."""
        for v, node in self.layout.restock.items():
            index = self.manager.NodeToIndex(node)
            self.routing.VehicleVar(index).SetValues([-1, v])
            self.routing.AddDisjunction([index], 0)

    def _parts(self) -> None:
        """Per part, the stock left: starts at what is on board, jobs take, a restock adds plenty."""
        jobs = [self.problem.jobs[j] for j in self.layout.jobs]
        plenty = sum(sum(job.parts.values()) for job in jobs) + 1
        for kind in sorted({p for job in jobs for p in job.parts}):
            change = np.zeros(len(self.layout.locations), dtype=np.int64)
            change[: len(jobs)] = [-job.parts.get(kind, 0) for job in jobs]
            change[list(self.layout.restock.values())] = plenty
            stocks = [self.problem.technicians[t].parts.get(kind, 0) for t, _ in self.layout.vehicles]
            self._gate(f"part {kind}", change, stocks, plenty + max(stocks, default=0))

    def _tools(self) -> None:
        """Per tool some job needs: 1 on board from the start or after the restock; the job needs 1."""
        if not self.layout.restock:
            return  # tools then only decide the allowed vehicles
        jobs = [self.problem.jobs[j] for j in self.layout.jobs]
        for tool in sorted({t for job in jobs for t in job.tools}):
            change = np.zeros(len(self.layout.locations), dtype=np.int64)
            change[list(self.layout.restock.values())] = 1
            carried = [int(tool in self.problem.technicians[t].tools) for t, _ in self.layout.vehicles]
            dimension = self._gate(f"tool {tool}", change, carried, 2)
            for node, job in enumerate(jobs):
                if tool in job.tools:
                    dimension.CumulVar(self.manager.NodeToIndex(node)).SetMin(1)

    def _gate(self, name: str, change: NDArray[np.int64], start: list[int], capacity: int) -> pywrapcp.RoutingDimension:
        """A dimension whose value starts at `start[v]` and changes by `change[node]` after each node."""
        callback = self.routing.RegisterUnaryTransitVector([int(c) for c in change])
        self.routing.AddDimension(callback, 0, capacity, False, name)
        dimension = self.routing.GetDimensionOrDie(name)
        for v, value in enumerate(start):
            dimension.CumulVar(self.routing.Start(v)).SetValue(value)
        return dimension

    # --- solving ------------------------------------------------------------------------------
    def run(
        self,
        params: SolveParams,
        seconds: float,
        warm_start: Plan | None,
        seeded: dict[int, list[int]] | None = None,
    ) -> pywrapcp.Assignment | None:
        """Search for `seconds` (at least 0.1), from a warm start or a seed when given."""
        began = time.perf_counter()
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, params.first_solution)
        search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic)
        if params.solution_limit is not None:
            search.solution_limit = params.solution_limit
        search.log_search = params.log_search
        initial = None
        search.time_limit.FromMilliseconds(max(100, round(seconds * READ_SHARE * 1000)))  # for reading
        if warm_start is not None:
            orders = self._orders_of(warm_start)
            initial = self._initial(orders, search)
            if initial is None:
                # A route that no longer fits as it was (a visit overran past the next one's window)
                # makes OR-Tools refuse the whole plan, and a cold search in what is left of the
                # limit rarely matches it: keep, route by route, the jobs that still fit.
                initial = self._initial(self._still_fitting(orders), search)
        elif seeded is not None:
            initial = self._initial(self._seeded_orders(seeded), search)
        left = seconds - (time.perf_counter() - began)  # reading the routes took part of it
        search.time_limit.FromMilliseconds(max(100, round(left * 1000)))
        if initial is not None:
            return self.routing.SolveFromAssignmentWithParameters(initial, search)
        solution = self.routing.SolveWithParameters(search)
        if params.solution_limit is None and (solution is None or not self.serves_any(solution)):
            # The limit ran out before a first plan (OR-Tools then offers none, or "all unperformed"):
            # a plan is always returned, so search on to the first one.
            search.solution_limit = 1
            search.time_limit.FromSeconds(FIRST_PLAN_CAP_S)
            solution = self.routing.SolveWithParameters(search) or solution
        return solution

    def serves_any(self, solution: pywrapcp.Assignment) -> bool:
        return any(self._nodes(solution, v) for v in range(len(self.layout.vehicles)))

    def _seeded_orders(self, seeded: dict[int, list[int]]) -> list[list[int]]:
        """Job nodes per vehicle from seeded job indices; RESTOCK (-1) becomes the vehicle's restock node."""
        node_of = {j: node for node, j in enumerate(self.layout.jobs)}
        return [
            [
                self.layout.restock[v] if j < 0 else node_of[j]
                for j in seeded.get(v, [])
                if j >= 0 or v in self.layout.restock
            ]
            for v in range(len(self.layout.vehicles))
        ]

    def _orders_of(self, plan: Plan) -> list[list[int]]:
        """Job nodes of each vehicle, in the order a previous plan visits them; a job that vehicle may
        no longer serve (its window now out of the shift's reach...) is left out."""
        node_of = {self.problem.jobs[j].id: node for node, j in enumerate(self.layout.jobs)}
        orders: list[list[int]] = []
        for v, (t, k) in enumerate(self.layout.vehicles):
            previous = plan.route_of(self.problem.technicians[t].id, k)
            stops = previous.stops if previous is not None else ()
            nodes = (node_of[s.job] for s in stops if s.job in node_of)
            orders.append([n for n in nodes if v in self.allowed[n]])
        return orders

    def _still_fitting(self, orders: list[list[int]]) -> list[list[int]]:
        """Each vehicle's job nodes without those its route can no longer reach in time, by the
        schedule rules (`_feasible_prefix_order`)."""
        node_of = {j: node for node, j in enumerate(self.layout.jobs)}
        fitting = []
        for v, order in enumerate(orders):
            t, k = self.layout.vehicles[v]
            restock = self.layout.restock.get(v, RESTOCK)  # a restocking node only where there is one
            jobs = [RESTOCK if node == restock else self.layout.jobs[node] for node in order]
            kept = _feasible_prefix_order(self.problem, self.problem.technicians[t], k, jobs)
            fitting.append([restock if j == RESTOCK else node_of[j] for j in kept])
        return fitting

    def _initial(self, orders: list[list[int]], search: pywrapcp.RoutingSearchParameters) -> pywrapcp.Assignment | None:
        """An assignment from job nodes per vehicle; None when OR-Tools finds it infeasible.

        Closed with the search's parameters so that reading the routes obeys its time limit: placing
        the breaks of routes that no longer fit (starts and breaks moved on) can search for minutes."""
        if not self._closed:
            self.routing.CloseModelWithParameters(search)
            self._closed = True
        routes = [[self.manager.NodeToIndex(node) for node in order] for order in orders]
        return self.routing.ReadAssignmentFromRoutes(routes, True)

    # --- reading the solution -----------------------------------------------------------------
    def routes(self, solution: pywrapcp.Assignment) -> tuple[list[Route], set[str]]:
        breaks = _break_starts(solution)
        routes, served = [], set()
        for v, (t, k) in enumerate(self.layout.vehicles):
            nodes = self._nodes(solution, v)
            if not nodes:
                continue
            tech = self.problem.technicians[t]
            restock_after = None
            if self.layout.restock.get(v) in nodes:
                restock_after = nodes.index(self.layout.restock[v]) - 1
                nodes.remove(self.layout.restock[v])
            if not nodes:
                continue
            starts = [solution.Min(self.time.CumulVar(self.manager.NodeToIndex(n))) for n in nodes]
            jobs = [self.layout.jobs[n] for n in nodes]
            route = schedule(self.problem, tech, k, jobs, starts, breaks.get(v), restock_after)
            routes.append(route)
            served |= {s.job for s in route.stops}
        return routes, served

    def _nodes(self, solution: pywrapcp.Assignment, v: int) -> list[int]:
        nodes = []
        index = solution.Value(self.routing.NextVar(self.routing.Start(v)))
        while not self.routing.IsEnd(index):
            nodes.append(self.manager.IndexToNode(index))
            index = solution.Value(self.routing.NextVar(index))
        return nodes


def _break_starts(solution: pywrapcp.Assignment) -> dict[int, int]:
    """Vehicle -> the start OR-Tools chose for its break."""
    found = {}
    container = solution.IntervalVarContainer()
    for i in range(container.Size()):
        element = container.Element(i)
        name = element.Var().Name()
        if name.startswith("break ") and element.PerformedValue():
            found[int(name.split()[1])] = element.StartValue()
    return found
