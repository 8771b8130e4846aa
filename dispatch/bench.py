"""Benchmarks whose results go to BENCHMARKS.md: medians of several runs, with machine and command."""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from dispatch.geo import TravelModel


@dataclass(frozen=True)
class Timing:
    """Seconds of each run, and their median."""

    runs_s: list[float]

    @property
    def median_s(self) -> float:
        """Median of the runs."""
        return statistics.median(self.runs_s)


def time_travel_matrix(points: int, runs: int, seed: int = 1) -> Timing:
    """Time building the distance and time matrices of `points` random points around Guangzhou."""
    rng = np.random.default_rng(seed)
    coords = list(zip(rng.uniform(22.6, 23.9, points), rng.uniform(112.9, 114.1, points), strict=True))
    model = TravelModel()
    model.matrix(coords[:10])  # first call pays numpy's one-off set-up, not the matrix
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        model.matrix(coords)
        timings.append(time.perf_counter() - start)
    return Timing(timings)


def machine() -> str:
    """One line describing the machine the figures were measured on."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def update_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the `## title` section of a Markdown file, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _m: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def matrix_report(points: list[int], runs: int, command: str) -> str:
    """The Markdown body of the travel-matrix section."""
    rows = [(n, time_travel_matrix(n, runs)) for n in points]
    lines = [
        f"Measured {date.today().isoformat()} on {machine()}, with `{command}`.",
        f"Median of {runs} runs (distance and time matrices, numpy, one thread).",
        "",
        "| points | median s | min s | max s |",
        "|---:|---:|---:|---:|",
    ]
    lines += [f"| {n} | {t.median_s:.3f} | {min(t.runs_s):.3f} | {max(t.runs_s):.3f} |" for n, t in rows]
    return "\n".join(lines)
