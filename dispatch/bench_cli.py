"""`dispatch bench ...`: benchmark commands; results print as Markdown and can go into BENCHMARKS.md."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click

from dispatch.bench import machine, matrix_report, update_section
from dispatch.benchmarks.runner import (
    CONFIGURATIONS,
    SEED_SHARE,
    Result,
    benchmarks_dir,
    comparison,
    median_over_seeds,
    report,
    run_many,
    run_scale,
    scale_report,
)
from dispatch.config import Settings, data_dir
from dispatch.hindsight import DEADLINES, plan_in_hindsight
from dispatch.realtime_bench import replan_report, replay_report, run_replay, time_replans, urgent_on_target
from dispatch.replay_check import check_replay

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def bench() -> None:
    """Benchmarks; results are printed and, with --report, written to a Markdown file."""


def _report_option(f: F) -> F:
    return click.option(
        "--report",
        "report_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Markdown file to write the section into (e.g. BENCHMARKS.md).",
    )(f)


def _instance_options(time_limit: float, solution: str) -> Callable[[F], F]:
    """The options every instance-set benchmark shares."""

    def decorate(f: F) -> F:
        options = [
            click.argument("instances", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)),
            click.option("--time-limit", default=time_limit, show_default=True, help="Seconds per instance."),
            click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=f"Write {solution} here."),
            click.option("--processes", default=2, show_default=True, help="Instances solved side by side."),
            _report_option,
            click.option(
                "--seed-share",
                default=SEED_SHARE,
                show_default=True,
                help="Share of the time for the PyVRP stage (0: OR-Tools alone, 1: PyVRP alone).",
            ),
            click.option(
                "--seeds",
                default="1",
                show_default=True,
                help="Random seeds, comma separated: median cost per instance.",
            ),
            click.option(
                "--compare", is_flag=True, help="Run OR-Tools alone, PyVRP alone and the seeded solver side by side."
            ),
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


@dataclass(frozen=True)
class _InstanceBench:
    """What differs between the instance-set benchmarks."""

    kind: str
    title: str
    folder: str
    what: str


_SOLOMON = _InstanceBench("solomon", "Solomon VRPTW", "solomon", "distance")
_TRSP = _InstanceBench("trsp", "Technician routing (TRSP)", "trsp/instances", "working time")


def _run_instance_bench(bench_kind: _InstanceBench, instances: tuple[Path, ...], **options: Any) -> None:
    """Solve, check, report one instance set with the shared options (see `_instance_options`)."""
    time_limit, processes, seed_share = options["time_limit"], options["processes"], options["seed_share"]
    try:
        seeds = [int(s) for s in str(options["seeds"]).split(",")]
    except ValueError as exc:
        raise click.BadParameter(f"--seeds like 1,2,3: {exc}") from exc
    paths = _instances(instances, benchmarks_dir() / bench_kind.folder)
    command = (
        f"dispatch bench {bench_kind.kind} {''.join(f'{p} ' for p in instances)}--time-limit {time_limit:g} "
        f"--processes {processes}" + (f" --seeds {options['seeds']}" if len(seeds) > 1 else "")
    )
    title = f"{bench_kind.title}, {time_limit:g} s"
    if options["compare"]:
        runs = {
            label: _solve_seeds(paths, time_limit, None, processes, share, bench_kind.kind, seeds)
            for label, share in CONFIGURATIONS.items()
        }
        text = comparison(runs, time_limit, command + " --compare", bench_kind.what)
        title = f"{bench_kind.title} comparison, {time_limit:g} s"
    else:
        results = _solve_seeds(paths, time_limit, options["out"], processes, seed_share, bench_kind.kind, seeds)
        command += f" --seed-share {seed_share:g}"
        text = report(results, time_limit, command, processes, seed_share, what=bench_kind.what)
        if seed_share != SEED_SHARE:
            title += f", seed share {seed_share:g}"
    if len(seeds) > 1:
        text = f"Median over seeds {options['seeds']} per instance.\n\n{text}"
        title += f", {len(seeds)} seeds"
    _publish(options["report_file"], title, text)


@bench.command()
@click.option("--points", multiple=True, type=int, default=(500, 1000, 2000), show_default=True)
@click.option("--runs", default=7, show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("BENCHMARKS.md"), show_default=True
)
def matrix(points: tuple[int, ...], runs: int, out: Path) -> None:
    """Time the travel matrices (target: 2,000 points well under a second)."""
    command = "dispatch bench matrix " + " ".join(f"--points {n}" for n in points) + f" --runs {runs}"
    text = matrix_report(list(points), runs, command)
    update_section(out, "Travel matrix", text)
    click.echo(text)


@bench.command()
@_instance_options(30.0, "<instance>.sol files")
def solomon(instances: tuple[Path, ...], **options: Any) -> None:
    """Solomon VRPTW: gap to the best-known distance (default: all 56 shared instances)."""
    _run_instance_bench(_SOLOMON, instances, **options)


@bench.command()
@_instance_options(60.0, "<instance>.json solutions")
def trsp(instances: tuple[Path, ...], **options: Any) -> None:
    """Technician routing (Pillac et al. 2013): gap to the best-known total working time (default: the
    29 shared instances)."""
    _run_instance_bench(_TRSP, instances, **options)


@bench.command()
@click.option("--runs", default=30, show_default=True, help="Requests per page.")
@click.option("--time-limit", default=5.0, show_default=True, help="Seconds to plan the day first.")
@_report_option
def pages(runs: int, time_limit: float, report_file: Path | None) -> None:
    """Server time of the plan page and the technician's day on the shipped scenario (target: median < 150 ms)."""
    from web.bench import pages_report, time_pages  # the web layer measures itself

    timings, sizes = time_pages(runs, time_limit)
    text = pages_report(timings, sizes, runs, f"dispatch bench pages --runs {runs}", machine())
    _publish(report_file, "Pages", text)


@bench.command()
@click.option("--runs", default=7, show_default=True, help="Requests of the dashboard timed.")
@click.option("--days", default=90, show_default=True, help="Days of generated history.")
@click.option("--jobs", default=50_000, show_default=True, help="Jobs in the generated history.")
@click.option("--seed", default=1, show_default=True)
@_report_option
def dashboard(runs: int, days: int, jobs: int, seed: int, report_file: Path | None) -> None:
    """Server time of the managers' dashboard over a generated history (target: 90 days, 50,000 jobs, < 1 s)."""
    from web.dashboard_bench import dashboard_report, time_dashboard  # the web layer measures itself

    timing = time_dashboard(runs, days, jobs, seed)
    command = f"dispatch bench dashboard --runs {runs} --days {days} --jobs {jobs} --seed {seed}"
    _publish(report_file, "Dashboard", dashboard_report(timing, runs, command, machine()))


@bench.command()
@click.option(
    "--sizes", default="30x300,100x1000,200x2000", show_default=True, help="technicians x jobs, comma separated."
)
@click.option("--times", default="10,30,120", show_default=True, help="Time limits in seconds, comma separated.")
@click.option("--seed-share", default=0.0, show_default=True, help="Share of each time limit for the PyVRP stage.")
@click.option("--processes", default=1, show_default=True, help="Sizes solved side by side.")
@_report_option
def scale(sizes: str, times: str, seed_share: float, processes: int, report_file: Path | None) -> None:
    """Generated days of 30/300 to 200/2,000 technicians/jobs: first plan, quality over time, memory."""
    try:
        parsed = [tuple(int(v) for v in size.lower().split("x")) for size in sizes.split(",")]
        limits = tuple(float(t) for t in times.split(","))
    except ValueError as exc:
        raise click.BadParameter(f"--sizes like 30x300,100x1000 and --times like 10,30: {exc}") from exc
    command = f"dispatch bench scale --sizes {sizes} --times {times} --seed-share {seed_share:g}"
    measured = run_scale([(a, b) for a, b in parsed], limits, seed_share, processes)
    title = "Scale" + ("" if seed_share == 0 else f", seed share {seed_share:g}")
    _publish(report_file, title, scale_report(measured, command, seed_share))


def _instances(given: tuple[Path, ...], folder: Path) -> list[Path]:
    paths = list(given) or sorted(folder.glob("*.txt"))
    if not paths:
        raise click.ClickException(f"no instances given and none found in {folder}")
    return paths


def _publish(report_file: Path | None, title: str, text: str) -> None:
    if report_file is not None:
        update_section(report_file, title, text)
    click.echo(text)


def _solve_seeds(
    paths: list[Path],
    time_limit: float,
    out: Path | None,
    processes: int,
    seed_share: float,
    kind: str,
    seeds: list[int],
) -> list[Result]:
    """Solve the instances a few at a time for every seed, with a progress bar on stderr; with several
    seeds, each instance's median-cost run (solution files: the last seed's)."""
    runs: list[list[Result]] = []
    with click.progressbar(length=len(paths) * len(seeds), label="solving", file=sys.stderr) as bar:
        for seed in seeds:
            results: list[Result] = []
            for start in range(0, len(paths), max(1, processes)):
                chunk = paths[start : start + max(1, processes)]
                results += run_many(chunk, time_limit, out, processes, seed_share, kind, seed)
                bar.update(len(chunk))
            runs.append(results)
    return runs[0] if len(runs) == 1 else median_over_seeds(runs)


@bench.command()
@click.option("--runs", default=7, show_default=True, help="Re-plans timed.")
@click.option("--time-limit", default=None, type=float, help="Solver seconds per re-plan (default: the setting).")
@_report_option
def replan(runs: int, time_limit: float | None, report_file: Path | None) -> None:
    """Wall time of a re-plan of the rest of a day: 30 technicians, ~150 open jobs (target: median < 5 s)."""
    settings = Settings.from_env()
    if time_limit is not None:
        settings = replace(settings, replan_time_limit_s=time_limit)
    timing = time_replans(runs, settings)
    command = f"dispatch bench replan --runs {runs}" + (f" --time-limit {time_limit:g}" if time_limit else "")
    _publish(report_file, "Re-plan latency", replan_report(timing, settings.replan_time_limit_s, command, machine()))


@bench.command()
@click.argument("scenarios", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replan-time-limit", default=None, type=float, help="Solver seconds per re-plan.")
@_report_option
def replay(scenarios: tuple[Path, ...], replan_time_limit: float | None, report_file: Path | None) -> None:
    """Replay the scenarios (default: the shipped two) with the greedy baseline and the optimizer,
    each result re-checked by the independent checker of the replay rules."""
    settings = Settings.from_env()
    if replan_time_limit is not None:
        settings = replace(settings, replan_time_limit_s=replan_time_limit)
    paths = list(scenarios) or [data_dir() / "scenarios" / f"guangzhou-{n}.json" for n in ("normal", "peak")]
    results, wall = [], {}
    for path in paths:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for policy in ("greedy", "optimized"):
            result, seconds = run_replay(path, policy, settings)
            violations = check_replay(raw, result)
            if violations:
                click.echo(f"{path.name}/{policy}: {len(violations)} violation(s), first: {violations[0].message}")
            result["urgent_on_target"] = urgent_on_target(raw, result)
            wall[f"{result['scenario']}/{policy}"] = seconds
            results.append(result)
            click.echo(f"{path.name} {policy}: {result['figures']} ({seconds:.0f} s)", err=True)
    command = "dispatch bench replay" + (f" --replan-time-limit {replan_time_limit:g}" if replan_time_limit else "")
    text = replay_report(results, command, machine(), wall)
    limit = settings.replan_time_limit_s
    text += f"\nRe-plan solver time limit {limit:g} s; every result re-checked by the independent replay checker.\n"
    _publish(report_file, "Replay", text)


@bench.command()
@click.argument("scenarios", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--time-limit", default=120.0, show_default=True, help="Solver seconds per scenario and deadline.")
@click.option("--overtime-cap", default=180.0, show_default=True, help="Minutes of overtime a shift may take.")
@_report_option
def hindsight(scenarios: tuple[Path, ...], time_limit: float, overtime_cap: float, report_file: Path | None) -> None:
    """The scenarios (default: the shipped two) planned in hindsight, every call and every visit's real
    length known: how many calls one plan reaches by their target, and by their promise. A reference
    for the replay's rates, not a policy."""
    paths = list(scenarios) or [data_dir() / "scenarios" / f"guangzhou-{n}.json" for n in ("normal", "peak")]
    lines = [
        "| scenario | deadline | calls reached | rate | km | checker |",
        "|---|---|---|---|---|---|",
    ]
    for path in paths:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for deadline in DEADLINES:
            found = plan_in_hindsight(raw, deadline, time_limit, overtime_cap)
            broken = "sound" if found.violations == 0 else f"{found.violations} violation(s)"
            lines.append(
                f"| {path.stem} | {deadline} | {found.reached} of {found.calls} | {found.rate:.3f} "
                f"| {found.travel_km:,.0f} | {broken} |"
            )
            click.echo(lines[-1], err=True)
    command = f"dispatch bench hindsight --time-limit {time_limit:g} --overtime-cap {overtime_cap:g}"
    about = (
        "Each scenario planned in one solve knowing every call and every visit's real length: the calls the "
        "plan reaches by their target, and by their promise (an appointment by its window's end). A "
        "reference for the replay's rates, not a policy; checker: the independent plan checker's verdict."
    )
    text = f"`{command}` ({machine()})\n\n{about}\n\n" + "\n".join(lines) + "\n"
    _publish(report_file, "Hindsight", text)
