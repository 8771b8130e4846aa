"""Generated service days at scale: technicians with skills and breaks, jobs with windows and SLA deadlines.

A day of a Guangzhou-sized centre: technicians start at one of four depots at 08:00 and work until
18:00 (up to an hour of paid overtime) with a 45-minute break to start between 11:30 and 13:30;
calls came in during the previous 24 hours, so targets (6 h) and promises (24 h) fall through the
day; a quarter of the jobs have a two-hour appointment slot. Seeded: the same sizes and seed give
the same problem.
"""

from __future__ import annotations

import random
import resource
import time
from dataclasses import dataclass
from types import MappingProxyType

from dispatch.geo import TravelModel
from solver import Break, DispatchProblem, Job, Shift, SolveParams, Technician, Window, check, solve

PRODUCTS = ("air_conditioner", "refrigerator", "washing_machine", "water_heater", "television", "range_hood")
JOB_TYPES = ("repair", "install", "maintenance", "delivery")
DEPOTS = ((23.132, 113.34), (23.19, 113.265), (22.945, 113.37), (23.11, 113.45))
HOUR = 3600


def generate_day(technicians: int, jobs: int, seed: int = 1) -> DispatchProblem:
    """A one-day problem; times in seconds from midnight of the day."""
    rng = random.Random(seed)
    skills = [f"{p}:{j}" for p in PRODUCTS for j in JOB_TYPES]
    points = list(DEPOTS) + [(rng.uniform(22.90, 23.40), rng.uniform(113.15, 113.60)) for _ in range(jobs)]
    matrix = TravelModel().matrix(points)
    crew = tuple(
        Technician(
            f"T{k:03d}",
            k % len(DEPOTS),
            k % len(DEPOTS),
            (Shift(8 * HOUR, 18 * HOUR, Break(45 * 60, 11 * HOUR + 1800, 13 * HOUR + 1800), max_overtime=HOUR),),
            skills=frozenset(rng.sample(skills, rng.randint(10, 18))),
            parts=MappingProxyType({}),
        )
        for k in range(technicians)
    )
    work = tuple(_job(rng, i, len(DEPOTS) + i, skills) for i in range(jobs))
    return DispatchProblem(matrix.distance_m, matrix.duration_s, crew, work)


def _job(rng: random.Random, i: int, location: int, skills: list[str]) -> Job:
    received = rng.randint(-16 * HOUR, 14 * HOUR)  # from yesterday 08:00 to today 14:00
    windows: tuple[Window, ...] = ()
    if rng.random() < 0.25:
        start = rng.choice(range(9, 17, 2)) * HOUR
        windows = (Window(start, start + 2 * HOUR),)
    return Job(
        f"J{i:05d}",
        location,
        rng.choice((20, 30, 45, 60, 90)) * 60,
        rng.choice(skills),
        windows=windows,
        target=max(received + 6 * HOUR, 8 * HOUR),
        promise=max(received + 24 * HOUR, 8 * HOUR),
        priority=2.0 if rng.random() < 0.1 else 1.0,
    )


@dataclass(frozen=True)
class QualityRow:
    """Plan quality after one time limit."""

    limit: float
    served: int
    on_target: float
    within_promise: float
    km: float
    overtime_min: float
    violations: int


@dataclass(frozen=True)
class ScaleResult:
    """One size: time to the first plan, quality per time limit, peak memory of its process."""

    technicians: int
    jobs: int
    first_s: float
    first_violations: int
    rows: tuple[QualityRow, ...]
    peak_mb: float


def measure(size: tuple[int, int], time_limits: tuple[float, ...], seed_share: float, seed: int = 1) -> ScaleResult:
    """Run in a fresh process: time to a first plan, quality per time limit, peak memory."""
    technicians, jobs = size
    problem = generate_day(technicians, jobs, seed)
    began = time.perf_counter()
    first = solve(problem, SolveParams(time_limit_s=600, solution_limit=1))
    first_s = time.perf_counter() - began
    rows = []
    for limit in time_limits:
        plan = solve(problem, SolveParams(time_limit_s=limit, seed_share=seed_share))
        f = plan.figures
        rows.append(
            QualityRow(
                limit,
                f.served,
                f.on_target / jobs,
                f.within_promise / jobs,
                f.distance / 1000,
                f.overtime / 60,
                len(check(problem, plan)),
            )
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ScaleResult(technicians, jobs, first_s, len(check(problem, first)), tuple(rows), peak_mb)
