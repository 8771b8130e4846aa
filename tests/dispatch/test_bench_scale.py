"""Generated scale days and a smoke test of `dispatch bench scale` (no timing asserted)."""

from __future__ import annotations

from click.testing import CliRunner

from dispatch.benchmarks.scale import generate_day
from dispatch.cli import main
from solver import SolveParams, check, solve


def test_generated_day_is_seeded_and_complete() -> None:
    """Same sizes and seed, same problem; every job has a skill, a target and a promise after 08:00."""
    first, again = generate_day(6, 40, seed=3), generate_day(6, 40, seed=3)
    assert first.jobs == again.jobs and (first.distance == again.distance).all()
    assert len(first.technicians) == 6 and len(first.jobs) == 40
    assert all(j.skill and j.target is not None and j.promise is not None and j.target >= 8 * 3600 for j in first.jobs)
    assert generate_day(6, 40, seed=4).jobs != first.jobs


def test_bench_scale_reports_each_size_and_limit() -> None:
    """Two tiny sizes at two limits: four rows, each checked by the plan checker (0 violations)."""
    result = CliRunner().invoke(main, ["bench", "scale", "--sizes", "3x12,4x20", "--times", "0.5,1"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 3 / 12") or line.startswith("| 4 / 20")]
    assert len(rows) == 2
    data_rows = [line for line in result.stdout.splitlines() if line.rstrip().endswith("| 0 |")]
    assert len(data_rows) == 4


def test_a_plan_comes_back_even_when_the_limit_is_shorter_than_the_first_plan() -> None:
    """100 technicians / 1,000 jobs in 0.1 s: OR-Tools alone would offer nothing; the solver searches
    on to its first plan, which passes the checker."""
    problem = generate_day(100, 1000)
    plan = solve(problem, SolveParams(time_limit_s=0.1))
    assert plan.figures.served > 500 and check(problem, plan) == []
