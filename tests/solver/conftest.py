"""Tiny hand-checkable problems for the solver (no Flask, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from solver import DispatchProblem, Job, Shift, Technician


def grid_problem(
    points: list[tuple[int, int]], technicians: tuple[Technician, ...], jobs: tuple[Job, ...], **kwargs: object
) -> DispatchProblem:
    """Locations on a plane: distance = Euclidean metres (rounded), time = one second per metre."""
    xy = np.asarray(points, dtype=float)
    metres = np.rint(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])).astype(np.int64)
    return DispatchProblem(metres, metres.copy(), technicians, jobs, **kwargs)  # type: ignore[arg-type]


LINE = [(0, 0), (100, 0), (200, 0), (300, 0), (400, 0), (0, 300)]


@pytest.fixture
def small_day() -> DispatchProblem:
    """2 technicians at location 0 (shift 0-2000), 4 jobs on a line at 100..400 m, 50 s each; A repairs ACs, B TVs."""
    techs = (
        Technician("A", 0, 0, (Shift(0, 2000),), frozenset({"ac:repair"})),
        Technician("B", 0, 0, (Shift(0, 2000),), frozenset({"tv:repair"})),
    )
    jobs = (
        Job("j1", 1, 50, "ac:repair"),
        Job("j2", 2, 50, "ac:repair"),
        Job("j3", 3, 50, "tv:repair"),
        Job("j4", 4, 50, "tv:repair"),
    )
    return grid_problem(LINE, techs, jobs)
