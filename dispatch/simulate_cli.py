"""`dispatch simulate` and `dispatch check-replay`: replay a scenario with a policy, re-check a result."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from dispatch.config import Settings
from dispatch.replay import reshuffled_durations
from dispatch.replay_check import check_files
from dispatch.replay_policies import POLICIES, simulate

FIGURE_ROWS = (
    ("calls", "calls"),
    ("served", "served"),
    ("missed", "missed"),
    ("on_target_rate", "on target (6 h)"),
    ("within_promise_rate", "within promise (24 h)"),
    ("response_median_min", "response median, min"),
    ("response_p90_min", "response p90, min"),
    ("late_min_past_target", "minutes past target"),
    ("travel_km", "travel km"),
    ("overtime_min", "overtime min"),
    ("policy_cpu_s", "policy CPU s"),
)


@click.command(name="simulate")
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--policy", type=click.Choice(POLICIES), default="optimized", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the dispatch-replay/1 result here.")
@click.option("--replan-time-limit", type=float, help="Solver seconds per re-plan (default: the production setting).")
def simulate_command(scenario: Path, policy: str, out: Path | None, replan_time_limit: float | None) -> None:
    """Replay SCENARIO (dispatch-scenario/1) with a policy and print its figures.

    `optimized` runs the production scheduler's tasks under a simulated clock; `greedy` is the
    naive baseline."""
    settings = Settings.from_env()
    if replan_time_limit is not None:
        settings = replace(settings, replan_time_limit_s=replan_time_limit)
    with click.progressbar(length=1000, label=f"replaying {scenario.name} ({policy})", file=sys.stderr) as bar:
        done = [0]

        def advance(share: float) -> None:
            step = int(share * 1000) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        result = simulate(scenario, policy, settings, progress=advance)
    if out is not None:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(figures_table(result))


def figures_table(result: dict[str, Any]) -> str:
    """The figures as a two-column Markdown table."""
    figures = result["figures"]
    rows = [f"| {label} | {_shown(figures[key])} |" for key, label in FIGURE_ROWS]
    limit = result.get("settings", {}).get("replan_time_limit_s")
    if limit is not None:
        rows.append(f"| re-plan time limit s | {limit:g} |")
    return "\n".join([f"| {result['scenario']} | {result['policy']} |", "|---|---:|", *rows])


def _shown(value: float) -> str:
    return f"{value:.3f}" if isinstance(value, float) and value < 1.0001 and value != int(value) else f"{value:g}"


@click.command(name="check-replay")
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("result", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_replay_command(scenario: Path, result: Path) -> None:
    """Re-check a replay RESULT against its SCENARIO by the replay rules; exit 1 on any violation."""
    violations = check_files(scenario, result)
    for v in violations:
        click.echo(f"{v.rule}: {v.subject}: {v.message}")
    if violations:
        raise click.exceptions.Exit(1)
    click.echo("no violations")


@click.command(name="reshuffle-durations")
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", type=int, required=True, help="Which dealing of the overruns.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def reshuffle_durations_command(scenario: Path, seed: int, out: Path) -> None:
    """Write a copy of SCENARIO whose visits overrun differently (see dispatch.replay.reshuffled_durations),
    to replay and check like any scenario."""
    raw = json.loads(scenario.read_text(encoding="utf-8"))
    variant = reshuffled_durations(raw, seed)
    out.write_text(json.dumps(variant, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"{variant['name']}: {len(variant['calls'])} calls written to {out}")
