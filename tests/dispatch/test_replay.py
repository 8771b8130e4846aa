"""Replays of a small scenario, each re-checked by the independent checker of the replay rules."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dispatch.cli import main
from dispatch.config import Settings
from dispatch.realtime_bench import urgent_on_target
from dispatch.replay import reshuffled_durations
from dispatch.replay_check import check_replay, recompute_figures
from dispatch.replay_policies import simulate
from tests.helpers import small_scenario


def _figures_match(raw: dict[str, Any], result: dict[str, Any]) -> None:
    recomputed = recompute_figures(raw, result)
    for key in ("calls", "served", "missed"):
        assert result["figures"][key] == recomputed[key]
    assert result["figures"]["travel_km"] == pytest.approx(recomputed["travel_km"], rel=2e-3)


def test_greedy_replay_keeps_every_rule(tmp_path: Path) -> None:
    """The baseline's result passes the independent checker, figures included."""
    path, raw = small_scenario(tmp_path)
    result = simulate(path, "greedy", Settings())
    assert result["format"] == "dispatch-replay/1" and result["policy"] == "greedy"
    assert check_replay(raw, result) == []
    assert result["figures"]["served"] > 0
    _figures_match(raw, result)


def test_optimized_replay_drives_the_production_path(tmp_path: Path) -> None:
    """The optimizer, re-planning under a simulated clock, keeps every rule and serves the morning."""
    path, raw = small_scenario(tmp_path, technicians=4, calls=8)
    settings = replace(Settings(), replan_time_limit_s=0.2)
    result = simulate(path, "optimized", settings, workdir=tmp_path)
    assert check_replay(raw, result) == []
    assert result["figures"]["served"] == len(raw["calls"])
    assert result["settings"] == {"replan_time_limit_s": 0.2}
    _figures_match(raw, result)
    # A call is never left for before it was received.
    received = {c["id"]: c["received_at"] for c in raw["calls"]}
    assert all(v["depart"] >= received[v["call"]] for v in result["visits"])


def test_an_appointment_after_the_shift_is_reached_by_leaving_before_its_end(tmp_path: Path) -> None:
    """A window opening after the technician's shift ends: the plan has them leave within the shift and
    wait at the customer, and the replay's technician does so (leaving at the window's start minus the
    drive, 17:13, would be after the 17:00 end, and the technician would never leave)."""
    path, raw = small_scenario(tmp_path, technicians=1, calls=3)
    shift = raw["technicians"][0]["shifts"][0]
    shift["end"] = "2026-07-06T17:00:00+08:00"
    call = raw["calls"][2]  # 17 min from the depot, 80 min long
    call["window"] = {"start": "2026-07-06T17:30:00+08:00", "end": "2026-07-06T19:00:00+08:00"}
    raw["calls"] = [call]
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    result = simulate(path, "optimized", replace(Settings(), replan_time_limit_s=0.2), workdir=tmp_path)
    assert check_replay(raw, result) == []
    (visit,) = result["visits"]
    assert visit["depart"] <= shift["end"] and call["window"]["start"] <= visit["start"] <= call["window"]["end"]


def test_a_technician_waiting_for_the_break_still_takes_a_call_planned_before_it(tmp_path: Path) -> None:
    """The technician's only stop at 08:00 is an afternoon install that could run past the break's
    latest start, so they wait at the depot; a call received at 09:00 is planned before the break, and
    they leave for it at once rather than idle until 11:30 (held busy until the break, they left at
    12:15, after it)."""
    path, raw = small_scenario(tmp_path, technicians=1, calls=3)
    install, call = raw["calls"][2], raw["calls"][1]
    install.update(received_at="2026-07-06T07:30:00+08:00", duration_min=130, actual_duration_min=130)
    install["window"] = {"start": "2026-07-06T13:00:00+08:00", "end": "2026-07-06T17:00:00+08:00"}
    call["received_at"] = "2026-07-06T09:00:00+08:00"
    raw["calls"] = [install, call]
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    result = simulate(path, "optimized", replace(Settings(), replan_time_limit_s=0.2), workdir=tmp_path)
    assert check_replay(raw, result) == []
    visits = {v["call"]: v for v in result["visits"]}
    assert visits[call["id"]]["depart"] < "2026-07-06T09:30:00+08:00"
    assert visits[install["id"]]["arrival"] <= install["window"]["end"]


def test_unknown_policy_is_refused(tmp_path: Path) -> None:
    path, _ = small_scenario(tmp_path, calls=2)
    with pytest.raises(ValueError, match="policy"):
        simulate(path, "clairvoyant", Settings())


def test_simulate_and_check_replay_commands(tmp_path: Path) -> None:
    """`dispatch simulate --out` writes a result that `dispatch check-replay` accepts; a tampered one fails."""
    path, _ = small_scenario(tmp_path)
    out = tmp_path / "result.json"
    runner = CliRunner()
    ran = runner.invoke(main, ["simulate", str(path), "--policy", "greedy", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "on target (6 h)" in ran.output
    assert runner.invoke(main, ["check-replay", str(path), str(out)]).exit_code == 0
    tampered = json.loads(out.read_text(encoding="utf-8"))
    tampered["visits"][0]["technician"] = "T999"
    out.write_text(json.dumps(tampered), encoding="utf-8")
    checked = runner.invoke(main, ["check-replay", str(path), str(out)])
    assert checked.exit_code == 1 and "T999" in checked.output


def test_urgent_on_target_counts_windows_by_their_end_and_others_by_the_target(tmp_path: Path) -> None:
    """Of three urgent calls, one reached within 6 h, one 6 h 1 min after the call, one windowed call
    reached before its window's end: two thirds on target; normal calls are not counted."""
    _, raw = small_scenario(tmp_path, calls=4)
    calls = raw["calls"]
    for call in calls[:3]:
        call["priority"] = "urgent"
    window_end = datetime.fromisoformat(calls[2]["received_at"]) + timedelta(hours=9)
    calls[2]["window"] = {"start": calls[2]["received_at"], "end": window_end.isoformat()}

    def arrival(call: dict[str, Any], after: timedelta) -> dict[str, str]:
        return {"call": call["id"], "arrival": (datetime.fromisoformat(call["received_at"]) + after).isoformat()}

    visits = [
        arrival(calls[0], timedelta(hours=6)),
        arrival(calls[1], timedelta(hours=6, minutes=1)),
        arrival(calls[2], timedelta(hours=8)),
        arrival(calls[3], timedelta(hours=30)),
    ]
    assert urgent_on_target(raw, {"visits": visits}) == pytest.approx(2 / 3)


def test_reshuffled_durations_deal_the_same_overruns_to_other_visits(tmp_path: Path) -> None:
    """Estimates stay, the overruns are the same ones dealt out again, a seed gives one dealing, and
    the replay world reveals the new lengths (greedy replay of the copy passes the checker)."""
    path, raw = small_scenario(tmp_path, calls=16)
    original = json.loads(json.dumps(raw))
    one, again, two = (reshuffled_durations(raw, seed) for seed in (1, 1, 2))
    assert raw == original  # the scenario given is left alone
    assert one == again and one["name"] == f"{raw['name']}-d1"
    assert [c["duration_min"] for c in one["calls"]] == [c["duration_min"] for c in raw["calls"]]

    def ratios(scenario: dict[str, Any]) -> list[float]:
        return [c["actual_duration_min"] / c["duration_min"] for c in scenario["calls"]]

    assert sorted(ratios(one)) == pytest.approx(sorted(ratios(raw)), abs=0.01)
    assert ratios(one) != ratios(raw) and ratios(one) != ratios(two)
    out = tmp_path / "d1.json"
    written = CliRunner().invoke(main, ["reshuffle-durations", str(path), "--seed", "1", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text(encoding="utf-8")) == one
    result = simulate(out, "greedy", Settings())
    assert check_replay(one, result) == []
    lengths = {c["id"]: c["actual_duration_min"] for c in one["calls"]}
    for visit in result["visits"]:
        took = datetime.fromisoformat(visit["end"]) - datetime.fromisoformat(visit["start"])
        assert took == timedelta(minutes=lengths[visit["call"]])
