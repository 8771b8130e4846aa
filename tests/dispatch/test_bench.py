"""Benchmark plumbing: BENCHMARKS.md sections are replaced in place, the CLI writes its table."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dispatch.bench import update_section
from dispatch.cli import main


def test_section_is_replaced_and_others_kept(tmp_path: Path) -> None:
    """Writing a section twice keeps one copy of it and leaves the other sections alone."""
    path = tmp_path / "BENCHMARKS.md"
    update_section(path, "Solomon", "old solomon")
    update_section(path, "Travel matrix", "first")
    update_section(path, "Travel matrix", "second")
    text = path.read_text(encoding="utf-8")
    assert text.count("## Travel matrix") == 1 and "second" in text and "first" not in text
    assert "## Solomon\n\nold solomon" in text


def test_bench_matrix_writes_its_table(tmp_path: Path) -> None:
    """`dispatch bench matrix` writes one row per size with a median."""
    out = tmp_path / "BENCHMARKS.md"
    result = CliRunner().invoke(
        main, ["bench", "matrix", "--points", "20", "--points", "40", "--runs", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [
        line
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.startswith("| 20 |") or line.startswith("| 40 |")
    ]
    assert len(rows) == 2


def test_bench_pages_smoke() -> None:
    """Two requests per page: a row for each page with a median, no timing asserted."""
    result = CliRunner().invoke(main, ["bench", "pages", "--runs", "2", "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "| `/dispatch/plan` | plan of " in result.stdout and "| `/me/day` | " in result.stdout
