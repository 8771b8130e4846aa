"""Smoke test of `dispatch bench solomon` on shipped instances (no timing or gap asserted)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dispatch.benchmarks.solomon import read_solomon
from dispatch.cli import main
from tests.conftest import DATA

SOLOMON = DATA / "benchmarks" / "solomon"


def test_instance_is_read_to_the_convention() -> None:
    """C101: 25 vehicles of 200, 100 customers, distances x10 truncated (depot to 1: sqrt(349) -> 186)."""
    instance = read_solomon(SOLOMON / "C101.txt")
    assert (instance.vehicles, instance.capacity, len(instance.problem.jobs)) == (25, 200, 100)
    assert instance.problem.distance[0, 1] == 186  # floor(10 * 18.68...)
    assert instance.problem.jobs[0].windows[0].start == 9120 and instance.problem.jobs[0].service == 900


def test_bench_command_writes_checked_solutions(tmp_path: Path) -> None:
    """Two instances at 1 s: a table row each, checker verdict, and VRPLIB .sol files that list 100 customers."""
    out = tmp_path / "sol"
    report = tmp_path / "BENCHMARKS.md"
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "solomon",
            str(SOLOMON / "C101.txt"),
            str(SOLOMON / "RC201.txt"),
            "--time-limit",
            "1",
            "--processes",
            "1",
            "--out",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| C101 |" in result.stdout and "| RC201 |" in result.stdout
    for name in ("C101", "RC201"):
        lines = (out / f"{name}.sol").read_text(encoding="utf-8").splitlines()
        customers = [int(c) for line in lines if line.startswith("Route #") for c in line.split(":")[1].split()]
        assert len(customers) == len(set(customers)) and set(customers) <= set(range(1, 101))
        row = next(line for line in result.stdout.splitlines() if line.startswith(f"| {name} |"))
        if row.rstrip().endswith("| yes |"):  # a feasible plan serves every customer
            assert sorted(customers) == list(range(1, 101))
        assert lines[-1].startswith("Cost ")
    assert "## Solomon VRPTW, 1 s" in report.read_text(encoding="utf-8")
