"""TRSP instances: reading, the exact working-time cost, and a smoke test of `dispatch bench trsp`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.benchmarks.runner import Result, median_over_seeds
from dispatch.benchmarks.trsp import Site, TrspInstance, exact_cost, read_trsp
from dispatch.cli import main
from solver import Figures, Plan, Route, Status, Stop
from tests.conftest import DATA

C101 = DATA / "benchmarks" / "trsp" / "instances" / "C101.100_25-5-5-5.txt"


def test_instance_is_read() -> None:
    """C101: 25 technicians at their homes with skills, tools and parts; 100 requests, times x1000."""
    instance = read_trsp(C101)
    problem = instance.problem
    assert (instance.crew, len(problem.technicians), len(problem.jobs)) == (25, 25, 100)
    tech = problem.technicians[0]
    assert (
        tech.start_location == 1
        and tech.skills == frozenset({"1", "3", "4"})
        and tech.tools == frozenset({"1", "2", "3"})
    )
    assert dict(tech.parts) == {"0": 3, "2": 4, "3": 4} and tech.restock_location == 0
    first = problem.jobs[0]
    assert (first.location, first.service, first.skill) == (26, 90_000, "4")
    assert (first.windows[0].start, first.windows[0].end) == (912_000, 967_000)
    assert problem.duration[0, 1] >= 1000 * instance.exact(0, 1)  # rounded up, never down


def _plan(technician: str, jobs: list[str], restock_after: int | None) -> Plan:
    stops = tuple(Stop(j, 0, 0, 0) for j in jobs)
    route = Route(technician, 0, 0, stops, 0, (), restock_after, 0)
    return Plan((route,), (), Figures(len(jobs), 0, 0, 0, 0, 0, 0), 0, Status.OPTIMAL_OR_FEASIBLE, 0.0)


def test_exact_cost_of_a_hand_route() -> None:
    """One request: leave home as late as its window allows; cost = travel there + service + travel back."""
    instance = read_trsp(C101)
    request = 2  # node 28, window [65, 146], service 90
    node = instance.crew + 1 + request
    cost, broken = exact_cost(instance, _plan("0", [str(request)], None))
    there, back = instance.exact(1, node), instance.exact(node, 1)
    assert broken == []
    assert cost == pytest.approx(there + 90 + back)
    via_depot, _ = exact_cost(instance, _plan("0", [str(request)], -1))
    assert via_depot == pytest.approx(instance.exact(1, 0) + instance.exact(0, node) + 90 + back)


def test_bench_trsp_writes_checkable_json(tmp_path: Path) -> None:
    """2 s on C101: a table row, and a JSON solution in the set's format listing each served request once."""
    out = tmp_path / "sol"
    result = CliRunner().invoke(
        main, ["bench", "trsp", str(C101), "--time-limit", "2", "--processes", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "| C101.100_25-5-5-5 |" in result.stdout
    solution = json.loads((out / "C101.100_25-5-5-5.json").read_text(encoding="utf-8"))
    assert solution["id_type"] == "request"
    visits = [v for r in solution["routes"] for v in r["visits"] if v != "depot"]
    assert len(visits) == len(set(visits)) and all(0 <= v < 100 for v in visits)
    assert all(sum(1 for v in r["visits"] if v == "depot") <= 1 for r in solution["routes"])


def test_median_over_seeds_takes_the_middle_run_and_the_worst_verdict() -> None:
    """Three seeds: the median-cost run is reported; one infeasible seed makes the instance infeasible."""
    runs = [
        [Result("a", cost, 100.0, seconds, feasible, 0 if feasible else 2, 0, 3)]
        for cost, seconds, feasible in ((103.0, 1.0, True), (101.0, 3.0, False), (102.0, 2.0, True))
    ]
    (combined,) = median_over_seeds(runs)
    assert combined.cost == 102.0 and combined.seconds == 2.0
    assert not combined.feasible and combined.violations == 2
    assert combined.gap_pct == pytest.approx(2.0)


def test_bench_trsp_compare_over_seeds() -> None:
    """--compare with two seeds: one row per instance with a gap for each configuration."""
    result = CliRunner().invoke(
        main,
        ["bench", "trsp", str(C101), "--time-limit", "1", "--processes", "1", "--seeds", "1,2", "--compare"],
    )
    assert result.exit_code == 0, result.output
    assert "Median over seeds 1,2" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("| C101"))
    assert len(row.strip("|").split("|")) == 4  # instance + three configurations
    assert "best-known working time" in result.stdout


def test_exact_cost_when_the_return_home_binds_the_departure() -> None:
    """Home open until 100, one request 10 away open until 1000 (service 10): the request alone would
    let the technician leave at 990, the return home forces 70 at the latest; duration 30, not less."""
    sites = (
        Site(0, 0, 0, 1000, 0, (), (), ()),  # depot
        Site(0, 0, 0, 100, 0, (0,), (), ()),  # home of technician 0
        Site(10, 0, 0, 1000, 10, (0,), (), ()),  # request 0
    )
    instance = TrspInstance("tiny", 1, sites, read_trsp(C101).problem)
    cost, broken = exact_cost(instance, _plan("0", ["0"], None))
    assert broken == [] and cost == pytest.approx(30.0)
