"""Run benchmark instances (in parallel processes), check every plan, and report gaps as Markdown."""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dispatch.bench import machine
from dispatch.benchmarks.scale import ScaleResult, measure
from dispatch.benchmarks.solomon import best_known, read_solomon, solomon_cost, write_solomon_solution
from dispatch.benchmarks.trsp import exact_cost, read_trsp, trsp_best_known, write_trsp_solution
from solver import DispatchProblem, Plan, SolveParams, check, solve


@dataclass(frozen=True)
class Result:
    """One instance solved: its cost against the best known, and the checker's verdict."""

    instance: str
    cost: float
    best_known: float | None
    seconds: float
    feasible: bool
    violations: int
    unassigned: int
    routes: int

    @property
    def gap_pct(self) -> float | None:
        """Percent above the best-known cost."""
        if self.best_known is None:
            return None
        return 100 * (self.cost - self.best_known) / self.best_known


def benchmarks_dir() -> Path:
    """The shared benchmark folder beside the checkout when present, else the copy in data/."""
    configured = os.environ.get("DISPATCH_BENCHMARKS_DIR")
    if configured:
        return Path(configured)
    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "benchmarks"
    return shared if shared.exists() else root / "data" / "benchmarks"


# Share of the time limit the PyVRP stage gets before OR-Tools polishes its routes (measured:
# see the comparison section of BENCHMARKS.md).
SEED_SHARE = 0.8


def run_solomon(
    path: Path, time_limit_s: float, out: Path | None = None, seed_share: float = SEED_SHARE, seed: int = 1
) -> Result:
    """Solve one Solomon instance, check the plan, and write its solution file into `out`."""
    instance = read_solomon(path)
    plan, seconds, violations = _solve(instance.problem, time_limit_s, seed_share, seed)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_solomon_solution(plan, out / f"{instance.name}.sol")
    return _result(
        instance.name, solomon_cost(plan), best_known(path.parent).get(instance.name), seconds, len(violations), plan
    )


def run_trsp(
    path: Path, time_limit_s: float, out: Path | None = None, seed_share: float = SEED_SHARE, seed: int = 1
) -> Result:
    """Solve one TRSP instance, check the plan (and its exact-arithmetic cost), write its JSON solution."""
    instance = read_trsp(path)
    plan, seconds, violations = _solve(instance.problem, time_limit_s, seed_share, seed)
    cost, broken = exact_cost(instance, plan)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_trsp_solution(instance, plan, out / f"{instance.name}.json")
    bks = trsp_best_known(path.parent.parent if path.parent.name == "instances" else path.parent)
    return _result(instance.name, cost, bks.get(instance.name), seconds, len(violations) + len(broken), plan)


def _solve(
    problem: DispatchProblem, time_limit_s: float, seed_share: float, seed: int
) -> tuple[Plan, float, list[object]]:
    began = time.perf_counter()
    plan = solve(problem, SolveParams(time_limit_s=time_limit_s, seed_share=seed_share, seed=seed))
    return plan, time.perf_counter() - began, list(check(problem, plan))


def _result(name: str, cost: float, bks: float | None, seconds: float, violations: int, plan: Plan) -> Result:
    return Result(
        instance=name,
        cost=cost,
        best_known=bks,
        seconds=seconds,
        feasible=violations == 0 and not plan.unassigned,
        violations=violations,
        unassigned=len(plan.unassigned),
        routes=sum(1 for r in plan.routes if r.stops),
    )


RUNNERS = {"solomon": run_solomon, "trsp": run_trsp}


def run_many(
    paths: Sequence[Path],
    time_limit_s: float,
    out: Path | None,
    processes: int,
    seed_share: float = SEED_SHARE,
    kind: str = "solomon",
    seed: int = 1,
) -> list[Result]:
    """Solve every instance, `processes` at a time, results in the order of `paths`."""
    runner = RUNNERS[kind]
    if processes <= 1 or len(paths) <= 1:
        return [runner(p, time_limit_s, out, seed_share, seed) for p in paths]
    n = len(paths)
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(runner, paths, [time_limit_s] * n, [out] * n, [seed_share] * n, [seed] * n))


def median_over_seeds(runs: Sequence[Sequence[Result]]) -> list[Result]:
    """Per instance, the run of median cost among one result list per seed (an odd count gives a
    real run); feasible only if every seed's plan was, and the worst seed's counts of violations."""
    combined = []
    for per_seed in zip(*runs, strict=True):
        middle = sorted(per_seed, key=lambda r: r.cost)[(len(per_seed) - 1) // 2]
        combined.append(
            dataclasses.replace(
                middle,
                seconds=statistics.median(r.seconds for r in per_seed),
                feasible=all(r.feasible for r in per_seed),
                violations=max(r.violations for r in per_seed),
                unassigned=max(r.unassigned for r in per_seed),
            )
        )
    return combined


CONFIGURATIONS = {"OR-Tools alone": 0.0, "PyVRP alone": 1.0, "PyVRP seeds OR-Tools": SEED_SHARE}


def comparison(results: dict[str, list[Result]], time_limit_s: float, command: str, what: str = "distance") -> str:
    """Markdown: each configuration's cost and gap per instance, measured in one run."""
    names = list(results)
    lines = [
        f"Measured {date.today().isoformat()} on {machine()}, with `{command}`: the same instances, "
        f"{time_limit_s:g} s each, every configuration in the same run; gaps to best-known {what} in %, "
        "`!` marks a plan the checker rejects.",
        "",
        "| instance | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for i, first in enumerate(results[names[0]]):
        cells = [_gap_cell(results[name][i]) for name in names]
        lines.append(f"| {first.instance} | " + " | ".join(cells) + " |")
    means = [statistics.mean(r.gap_pct or 0.0 for r in results[name]) for name in names]
    lines.append("| **mean** | " + " | ".join(f"**{m:.2f}**" for m in means) + " |")
    return "\n".join(lines)


def _gap_cell(r: Result) -> str:
    gap = "n/a" if r.gap_pct is None else f"{r.gap_pct:.2f}"
    return gap if r.feasible else f"{gap} !"


def _method(seed_share: float) -> str:
    if seed_share <= 0:
        return "OR-Tools routing alone (parallel cheapest insertion + guided local search)"
    if seed_share >= 1:
        return "PyVRP alone"
    return f"PyVRP for {seed_share:.0%} of the time, its routes seeding OR-Tools (guided local search) for the rest"


def report(
    results: Sequence[Result],
    time_limit_s: float,
    command: str,
    processes: int,
    seed_share: float = SEED_SHARE,
    what: str = "distance",
) -> str:
    """Markdown: the summary line and one row per instance."""
    gaps = [r.gap_pct for r in results if r.gap_pct is not None]
    feasible = sum(1 for r in results if r.feasible)
    lines = [
        f"Measured {date.today().isoformat()} on {machine()}, with `{command}`: {_method(seed_share)}, "
        f"{time_limit_s:g} s per instance, one search thread per process, {processes} process(es) side by "
        "side. Every plan re-checked by `solver.check`.",
        "",
        f"**{len(results)} instances: {feasible} feasible by the checker; gap to best-known {what} "
        + (
            f"mean {statistics.mean(gaps):.2f} %, median {statistics.median(gaps):.2f} %, worst {max(gaps):.2f} %.**"
            if gaps
            else "n/a.**"
        ),
        "",
        "| instance | cost | best known | gap % | routes | time s | feasible |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        gap = "" if r.gap_pct is None else f"{r.gap_pct:.2f}"
        bks = "" if r.best_known is None else f"{r.best_known:.1f}"
        verdict = "yes" if r.feasible else f"no ({r.violations} violations, {r.unassigned} unassigned)"
        lines.append(f"| {r.instance} | {r.cost:.1f} | {bks} | {gap} | {r.routes} | {r.seconds:.1f} | {verdict} |")
    return "\n".join(lines)


def run_scale(
    sizes: Sequence[tuple[int, int]], time_limits: tuple[float, ...], seed_share: float, processes: int
) -> list[ScaleResult]:
    """Each size in its own fresh process (so its peak memory is its own), `processes` at a time."""
    n = len(sizes)
    with ProcessPoolExecutor(max_workers=max(1, processes), max_tasks_per_child=1) as pool:
        return list(pool.map(measure, sizes, [time_limits] * n, [seed_share] * n))


def scale_report(measured: Sequence[ScaleResult], command: str, seed_share: float) -> str:
    """Markdown of the scale benchmark: first plan, quality per time limit, memory."""
    lines = [
        f"Measured {date.today().isoformat()} on {machine()}, with `{command}`: generated one-day problems "
        "(skills, 2-hour slots on a quarter of the jobs, a 45-minute break, 6 h / 24 h deadlines from calls "
        f"spread over the previous day), {_method(seed_share)}. On-target and within-promise shares are of all "
        "jobs; every plan re-checked by `solver.check`.",
        "",
        "| technicians / jobs | first plan s | peak MB | time limit s | served | on target | within promise "
        "| km | overtime min | violations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measured:
        for i, row in enumerate(m.rows):
            head = f"{m.technicians} / {m.jobs} | {m.first_s:.1f} | {m.peak_mb:.0f}" if i == 0 else " | | "
            lines.append(
                f"| {head} | {row.limit:g} | {row.served} | {row.on_target:.1%} | {row.within_promise:.1%} "
                f"| {row.km:.0f} | {row.overtime_min:.0f} | {row.violations} |"
            )
    return "\n".join(lines)
