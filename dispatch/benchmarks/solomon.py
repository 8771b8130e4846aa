"""Solomon VRPTW instances as solver problems, scored by the DIMACS/CVRPLIB convention.

Distances are Euclidean truncated to one decimal (d = floor(10 * sqrt(dx^2 + dy^2)) / 10), travel
time equals distance; all times and distances are scaled by 10 so they are exact integers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from solver import DispatchProblem, Job, Plan, Shift, Technician, Weights, Window

SCALE = 10
# Distance only: no lateness, balance or overtime terms; dropping a customer is never worth it.
SOLOMON_WEIGHTS = Weights(drop=10**9, promise_late=0, target_late=0, distance=1, overtime=0, balance=0, move=0)


@dataclass(frozen=True)
class SolomonInstance:
    """One instance: name, fleet, and the problem built from it."""

    name: str
    vehicles: int
    capacity: int
    problem: DispatchProblem


def read_solomon(path: Path) -> SolomonInstance:
    """Parse an instance in the original Solomon text format."""
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    name = lines[0][0]
    header = next(i for i, parts in enumerate(lines) if parts[:1] == ["NUMBER"])
    vehicles, capacity = int(lines[header + 1][0]), int(lines[header + 1][1])
    rows = [[int(float(x)) for x in parts] for parts in lines[header + 2 :] if len(parts) == 7 and parts[0].isdigit()]
    xy = np.array([(r[1], r[2]) for r in rows], dtype=float)
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    # floor(10 d) with a tiny tolerance, so that an exact integer distance is not floored one below
    scaled = np.floor(exact * SCALE + 1e-9).astype(np.int64)
    depot = rows[0]
    technicians = tuple(
        Technician(f"V{k + 1}", 0, 0, (Shift(0, depot[5] * SCALE),), parts=MappingProxyType({"load": capacity}))
        for k in range(vehicles)
    )
    jobs = tuple(
        Job(
            str(r[0]),
            i,
            r[6] * SCALE,
            parts=MappingProxyType({"load": r[3]}),
            windows=(Window(r[4] * SCALE, r[5] * SCALE),),
        )
        for i, r in enumerate(rows)
        if i > 0
    )
    return SolomonInstance(
        name, vehicles, capacity, DispatchProblem(scaled, scaled.copy(), technicians, jobs, SOLOMON_WEIGHTS)
    )


def solomon_cost(plan: Plan) -> float:
    """Total distance in the instance's units (one decimal)."""
    return plan.figures.distance / SCALE


def write_solomon_solution(plan: Plan, path: Path) -> None:
    """VRPLIB solution format: `Route #k: c1 c2 ...`, then `Cost <distance>`."""
    lines = [
        f"Route #{k}: " + " ".join(stop.job for stop in route.stops)
        for k, route in enumerate((r for r in plan.routes if r.stops), start=1)
    ]
    lines.append(f"Cost {solomon_cost(plan):.1f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def best_known(folder: Path) -> dict[str, float]:
    """Instance name -> best-known distance, from `bks.csv` in `folder`."""
    path = folder / "bks.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["instance"]: float(row["bks_distance"]) for row in csv.DictReader(handle)}
