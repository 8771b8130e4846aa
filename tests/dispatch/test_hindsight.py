"""A scenario planned in hindsight: a reference plan, checked by the independent plan checker."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.cli import main
from dispatch.hindsight import hindsight_problem, plan_in_hindsight
from tests.helpers import small_scenario


def test_a_call_after_every_shift_misses_its_target_but_not_its_promise(tmp_path: Path) -> None:
    """A call taken at 22:00 on the first of two days: its target (04:00) falls
    before anyone works, its promise does not. Every other call of the morning is reached by both."""
    _, raw = small_scenario(tmp_path, technicians=4, calls=6, days=2)
    late = dict(raw["calls"][0], id="LATE", received_at="2026-07-06T22:00:00+08:00")
    raw["calls"].append(late)
    target = plan_in_hindsight(raw, "target", time_limit_s=1)
    promise = plan_in_hindsight(raw, "promise", time_limit_s=1)
    assert target.violations == 0 and promise.violations == 0
    assert (target.calls, target.reached) == (7, 6)
    assert (promise.calls, promise.reached) == (7, 7)


def test_no_call_is_reached_before_it_was_received(tmp_path: Path) -> None:
    """Each call's window opens when it is received."""
    _, raw = small_scenario(tmp_path, technicians=2, calls=4)
    problem = hindsight_problem(raw, "target", overtime_cap_min=180)
    start = datetime.fromisoformat(raw["start"])
    received = {c["id"]: (datetime.fromisoformat(c["received_at"]) - start).total_seconds() for c in raw["calls"]}
    assert {job.id: job.windows[0].start for job in problem.jobs} == pytest.approx(received, abs=1)
    assert all(job.windows[0].end - job.windows[0].start == 6 * 3600 for job in problem.jobs)
    with pytest.raises(ValueError, match="deadline"):
        hindsight_problem(raw, "tomorrow", overtime_cap_min=180)


def test_bench_hindsight_writes_its_section(tmp_path: Path) -> None:
    path, _ = small_scenario(tmp_path, technicians=3, calls=5)
    report = tmp_path / "BENCH.md"
    outcome = CliRunner().invoke(
        main, ["bench", "hindsight", str(path), "--time-limit", "1", "--report", str(report)], catch_exceptions=False
    )
    assert outcome.exit_code == 0, outcome.output
    text = report.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| {path.stem} |")]
    assert [row.split(" | ")[1] for row in rows] == ["target", "promise"]
    assert all(row.endswith("| sound |") for row in rows)  # the plan checker found nothing broken
