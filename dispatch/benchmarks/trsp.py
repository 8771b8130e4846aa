"""Pillac et al. (2013) technician routing (TRSP) instances as solver problems, and their exact cost.

Times are exact Euclidean distances (speed 1). The solver works in integers scaled by SCALE with
travel rounded up, so any schedule feasible in integers is feasible in exact arithmetic; the cost
(total working time, each route leaving home as late as it can) is recomputed here in doubles
from the routes alone, as the instances' README prescribes.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, overload

import numpy as np

from solver import DispatchProblem, Job, Plan, Shift, Technician, Weights, Window

SCALE = 1000
# Total working time only: route spans; no distance, lateness or balance terms.
TRSP_WEIGHTS = Weights(
    drop=10**12, promise_late=0, target_late=0, distance=0, overtime=0, route_time=1, balance=0, move=0
)
_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\[[^\]]*\])\s+(\[[^\]]*\])\s+(\[[^\]]*\])")


@dataclass(frozen=True)
class Site:
    """One row of the instance: depot, technician home or request."""

    x: float
    y: float
    tws: float
    twe: float
    service: float
    skills: tuple[int, ...]
    tools: tuple[int, ...]
    parts: tuple[int, ...]


@dataclass(frozen=True)
class TrspInstance:
    """An instance: its sites (0 depot, 1..crew homes, then requests) and the problem built from it."""

    name: str
    crew: int
    sites: tuple[Site, ...]
    problem: DispatchProblem

    def exact(self, a: int, b: int) -> float:
        """Exact Euclidean travel time between two sites."""
        return math.hypot(self.sites[a].x - self.sites[b].x, self.sites[a].y - self.sites[b].y)


def _ints(text: str) -> tuple[int, ...]:
    inner = text.strip("[]").strip()
    return tuple(int(v) for v in inner.split(",")) if inner else ()


def read_trsp(path: Path) -> TrspInstance:
    """Parse an instance in the authors' text format (NAME.txt)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = lines[0].strip()
    crew = int(next(lines[i + 1].split()[0] for i, line in enumerate(lines) if line.startswith("CREW COUNT")))
    sites = []
    for line in lines:
        match = _ROW.match(line)
        if match:
            x, y, tws, twe, service = (float(match[i]) for i in range(2, 7))
            sites.append(Site(x, y, tws, twe, service, _ints(match[7]), _ints(match[8]), _ints(match[9])))
    return TrspInstance(name, crew, tuple(sites), _problem(sites, crew))


def _problem(sites: list[Site], crew: int) -> DispatchProblem:
    xy = np.array([(s.x, s.y) for s in sites])
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    travel = np.ceil(exact * SCALE - 1e-6).astype(np.int64)  # rounded up: integer-feasible is feasible
    technicians = tuple(
        Technician(
            f"{k}",
            k + 1,
            k + 1,
            (Shift(round(sites[k + 1].tws * SCALE), round(sites[k + 1].twe * SCALE)),),
            skills=frozenset(str(s) for s in sites[k + 1].skills),
            tools=frozenset(str(t) for t in sites[k + 1].tools),
            parts=MappingProxyType({str(p): n for p, n in enumerate(sites[k + 1].parts) if n}),
            restock_location=0,
        )
        for k in range(crew)
    )
    jobs = tuple(
        Job(
            f"{r}",
            crew + 1 + r,
            round(site.service * SCALE),
            skill=str(site.skills[0]) if site.skills else None,
            tools=frozenset(str(t) for t in site.tools),
            parts=MappingProxyType({str(p): n for p, n in enumerate(site.parts) if n}),
            windows=(Window(round(site.tws * SCALE), round(site.twe * SCALE)),),
        )
        for r, site in enumerate(sites[crew + 1 :])
    )
    return DispatchProblem(travel, travel.copy(), technicians, jobs, TRSP_WEIGHTS)


def route_sites(instance: TrspInstance, plan: Plan) -> list[tuple[int, list[int]]]:
    """Per working technician: its home and the sites visited in order (0 for the depot visit)."""
    result = []
    for route in plan.routes:
        if not route.stops:
            continue
        visits = [instance.crew + 1 + int(stop.job) for stop in route.stops]
        if route.restock_after is not None:
            visits.insert(route.restock_after + 1, 0)
        result.append((int(route.technician), visits))
    return result


def exact_cost(instance: TrspInstance, plan: Plan) -> tuple[float, list[str]]:
    """Total working time in exact arithmetic, and the rules any route breaks (README of the set)."""
    total, problems = 0.0, []
    for tech, visits in route_sites(instance, plan):
        duration, broken = _route_duration(instance, tech + 1, visits)
        total += duration
        problems += [f"technician {tech}: {b}" for b in broken]
    return total, problems


def _route_duration(instance: TrspInstance, home: int, visits: list[int]) -> tuple[float, list[str]]:
    """Minimal duration: leave at the latest departure that keeps every window and the return home
    (P(i) = service and travel before stop i, waiting left out), then simulate."""
    sites, stops = instance.sites, [home, *visits, home]
    offsets, elapsed = [0.0], 0.0
    for a, b in itertools.pairwise(stops):
        elapsed += sites[a].service + instance.exact(a, b)
        offsets.append(elapsed)
    latest = min(sites[s].twe - offsets[i] for i, s in enumerate(stops[1:], start=1))
    depart = sites[home].tws
    if _simulate(instance, stops, depart) is None:
        late_back = _simulate(instance, stops, depart, strict=False)
        return late_back - depart, ["no feasible schedule even leaving at the window's start"]
    depart = max(depart, latest)
    back = _simulate(instance, stops, depart)
    assert back is not None  # leaving by `latest` keeps every window end, waits included
    return back - depart, []


@overload
def _simulate(instance: TrspInstance, stops: list[int], depart: float) -> float | None: ...
@overload
def _simulate(instance: TrspInstance, stops: list[int], depart: float, strict: Literal[False]) -> float: ...
def _simulate(instance: TrspInstance, stops: list[int], depart: float, strict: bool = True) -> float | None:
    """Arrival back home leaving at `depart`; None if a window or the home's end is missed (`strict`)."""
    sites, time = instance.sites, depart
    for a, b in itertools.pairwise(stops):
        time += sites[a].service + instance.exact(a, b)  # service starts on arrival or at the window's start
        if strict and time > sites[b].twe + 1e-9:
            return None
        time = max(time, sites[b].tws)
    return time


def write_trsp_solution(instance: TrspInstance, plan: Plan, path: Path) -> None:
    """The set's JSON format: request ids and "depot", home start and end implicit."""
    routes = []
    for tech, visits in route_sites(instance, plan):
        ids: list[int | str] = ["depot" if v == 0 else v - instance.crew - 1 for v in visits]
        routes.append({"technician": tech, "visits": ids})
    path.write_text(json.dumps({"routes": routes, "id_type": "request"}) + "\n", encoding="utf-8")


def trsp_best_known(folder: Path) -> dict[str, float]:
    """Instance name -> best-known total working time, from `bks.csv`."""
    path = folder / "bks.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["instance"]: float(row["bks_cost"]) for row in csv.DictReader(handle)}
