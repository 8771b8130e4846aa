"""The independent replay checker: a hand-made valid replay passes, and each broken rule is reported."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from geopy.distance import geodesic

from dispatch.replay_check import ReplayViolation, check_files, check_replay, load_json, recompute_figures

ROAD_FACTOR = 1.35
SPEED_KMH = 28.0
DEPOT = (23.132, 113.34)
PLACES = {
    "J1": (23.125, 113.32),
    "J2": (23.14, 113.36),
    "J3": (23.11, 113.30),
    "J4": (23.15, 113.31),
    "J5": (23.09, 113.28),
}
REPO = Path(__file__).resolve().parents[2]


def _at(hhmm: str, day: int = 6) -> datetime:
    return datetime.fromisoformat(f"2026-07-{day:02d}T{hhmm}:00+08:00")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(geodesic(a, b).km) * ROAD_FACTOR


def _drive(a: tuple[float, float], b: tuple[float, float]) -> timedelta:
    """Driving time rounded to whole seconds, as a replay writes it."""
    return timedelta(seconds=round(_km(a, b) / SPEED_KMH * 3600))


def _shift(day: int) -> dict[str, Any]:
    return {"start": _at("08:00", day).isoformat(), "end": _at("18:00", day).isoformat()}


def _call(call_id: str, received: str, product: str, job_type: str, minutes: int, **extra: Any) -> dict[str, Any]:
    lat, lon = PLACES[call_id]
    customer = {"id": f"C{call_id}", "name": "张先生", "phone": "13800000000", "address": "广州市天河区"}
    return {
        "id": call_id,
        "received_at": _at(received).isoformat(),
        "customer": customer | {"district": "天河区", "lat": lat, "lon": lon},
        "job_type": job_type,
        "product": product,
        "duration_min": minutes,
        "actual_duration_min": minutes,
        "window": extra.get("window"),
        "priority": extra.get("priority", "normal"),
    }


def make_scenario() -> dict[str, Any]:
    """Two technicians at one Guangzhou depot over two days; five calls, J3 with a window, J2 urgent."""
    t1_break = {"earliest": _at("11:30").isoformat(), "latest": _at("13:30").isoformat(), "minutes": 45}
    t2_break = {"earliest": _at("11:30").isoformat(), "latest": _at("13:30").isoformat(), "minutes": 30}
    return {
        "format": "dispatch-scenario/1",
        "name": "tiny-guangzhou",
        "timezone": "Asia/Shanghai",
        "start": _at("00:00").isoformat(),
        "end": _at("00:00", day=8).isoformat(),
        "sla": {"target_hours": 6, "promise_hours": 24},
        "travel": {"model": "geodesic", "road_factor": ROAD_FACTOR, "speed_kmh": SPEED_KMH},
        "depots": [{"id": "SC-TH", "name": "天河服务网点", "lat": DEPOT[0], "lon": DEPOT[1]}],
        "technicians": [
            {
                "id": "T1",
                "name": "卢娟",
                "depot": "SC-TH",
                "skills": ["air_conditioner:repair", "washing_machine:repair", "refrigerator:install"],
                # The second day is idle: no visits, so no break is due.
                "shifts": [_shift(6) | {"break": t1_break}, _shift(7) | {"break": t1_break}],
            },
            {
                "id": "T2",
                "name": "曹伟",
                "depot": "SC-TH",
                "skills": ["television:install", "water_heater:maintenance", "air_conditioner:maintenance"],
                "shifts": [_shift(6) | {"break": t2_break}],
            },
        ],
        "calls": [
            _call("J1", "07:30", "air_conditioner", "repair", 40),
            _call(
                "J3",
                "07:50",
                "television",
                "install",
                60,
                window={"start": _at("10:00").isoformat(), "end": _at("12:00").isoformat()},
            ),
            _call("J2", "08:10", "washing_machine", "repair", 50, priority="urgent"),
            _call("J4", "09:00", "water_heater", "maintenance", 30),
            _call("J5", "16:30", "refrigerator", "install", 45),
        ],
    }


def _visit(
    call: str,
    technician: str,
    origin: tuple[float, float],
    arrival: datetime,
    minutes: int,
    start: datetime | None = None,
) -> dict[str, str]:
    """A visit arriving at `arrival`, having left `origin` exactly one drive earlier."""
    start = start or arrival
    depart = arrival - _drive(origin, PLACES[call])
    end = start + timedelta(minutes=minutes)
    return {
        "call": call,
        "technician": technician,
        "depart": depart.isoformat(),
        "arrival": arrival.isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def _travel_km() -> float:
    t1 = _km(DEPOT, PLACES["J1"]) + _km(PLACES["J1"], PLACES["J2"]) + _km(PLACES["J2"], DEPOT)
    t2 = _km(DEPOT, PLACES["J3"]) + _km(PLACES["J3"], PLACES["J4"]) + _km(PLACES["J4"], DEPOT)
    return t1 + t2


def _overtime_min() -> float:
    """T2 ends J4 at 18:20 and drives home from there: 20 minutes plus that drive past its 18:00 end."""
    return 20 + _km(PLACES["J4"], DEPOT) / SPEED_KMH * 60


def make_result() -> dict[str, Any]:
    """T1: J1 08:30-09:10, break 11:30 at J1, J2 12:30-13:20. T2: J3 (waits 09:45 to 10:00) until 11:00, break, J4 17:50-18:20."""
    return {
        "format": "dispatch-replay/1",
        "scenario": "tiny-guangzhou",
        "policy": "by-hand",
        "figures": {
            "calls": 5,
            "served": 4,
            "missed": 1,
            "on_target_rate": 0.6,
            "within_promise_rate": 0.8,
            "response_median_min": 260.0,
            "response_p90_min": 476.0,
            "late_min_past_target": 170.0,
            "travel_km": round(_travel_km(), 2),
            "overtime_min": round(_overtime_min(), 1),
            "policy_cpu_s": 0.01,
        },
        "visits": [
            _visit("J1", "T1", DEPOT, _at("08:30"), 40),
            _visit("J3", "T2", DEPOT, _at("09:45"), 60, start=_at("10:00")),
            _visit("J2", "T1", PLACES["J1"], _at("12:30"), 50),
            _visit("J4", "T2", PLACES["J3"], _at("17:50"), 30),
        ],
        "breaks": [
            {"technician": "T1", "start": _at("11:30").isoformat(), "end": _at("12:15").isoformat()},
            {"technician": "T2", "start": _at("11:30").isoformat(), "end": _at("12:00").isoformat()},
        ],
        "missed": ["J5"],
    }


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The tiny two-technician, five-call scenario of `make_scenario`."""
    return make_scenario()


@pytest.fixture
def result() -> dict[str, Any]:
    """A valid replay of `scenario`, built by hand."""
    return make_result()


def _visit_of(result: dict[str, Any], call: str) -> dict[str, str]:
    return next(v for v in result["visits"] if v["call"] == call)


def _call_of(scenario: dict[str, Any], call: str) -> dict[str, Any]:
    return next(c for c in scenario["calls"] if c["id"] == call)


def _broken(violations: list[ReplayViolation], figures: bool = True) -> set[tuple[str, str]]:
    """(rule, subject) pairs, leaving out figures when a mutation changes them on purpose."""
    return {(v.rule, v.subject) for v in violations if figures or v.rule != "figures"}


def test_hand_made_replay_is_valid(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """The hand-built replay breaks no rule, its idle second day without a break included."""
    assert check_replay(scenario, result) == []


def test_figures_match_the_hand_count(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """Recomputed figures: 4 of 5 served, J4 late by 170 min, responses 60/260/530, T2 home after 18:00."""
    figures = recompute_figures(scenario, result)
    assert {k: figures[k] for k in ("calls", "served", "missed")} == {"calls": 5, "served": 4, "missed": 1}
    assert figures["on_target_rate"] == pytest.approx(3 / 5)
    assert figures["within_promise_rate"] == pytest.approx(4 / 5)
    assert figures["response_median_min"] == 260.0
    assert figures["response_p90_min"] == pytest.approx(260 + 0.8 * (530 - 260))
    assert figures["late_min_past_target"] == pytest.approx(170.0)
    assert figures["travel_km"] == pytest.approx(_travel_km(), rel=1e-9)
    assert figures["overtime_min"] == pytest.approx(_overtime_min(), abs=1e-6)


def test_check_files_reads_both_files(tmp_path: Path, scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """check_files and load_json read UTF-8 JSON files; a broken figure in the file is found."""
    result["figures"]["served"] = 3
    (tmp_path / "scenario.json").write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "result.json").write_text(json.dumps(result), encoding="utf-8")
    assert load_json(tmp_path / "scenario.json")["technicians"][0]["name"] == "卢娟"
    assert _broken(check_files(tmp_path / "scenario.json", tmp_path / "result.json")) == {("figures", "served")}


def test_wrong_skill(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """A technician without `washing_machine:repair` may not serve the washing machine repair J2."""
    scenario["technicians"][0]["skills"].remove("washing_machine:repair")
    violations = check_replay(scenario, result)
    assert _broken(violations) == {("skill", "J2")}
    assert "T1" in violations[0].message and "washing_machine:repair" in violations[0].message


def test_departure_before_the_call_is_received(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """T1 leaves for J1 around 08:23; had J1 been received at 08:28, it left for a call it did not know."""
    _call_of(scenario, "J1")["received_at"] = _at("08:28").isoformat()
    assert _broken(check_replay(scenario, result)) == {("before_received", "J1")}


def test_travel_too_short(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """Leaving five minutes later but arriving at the same time is faster than the travel model allows."""
    visit = _visit_of(result, "J1")
    visit["depart"] = (datetime.fromisoformat(visit["depart"]) + timedelta(minutes=5)).isoformat()
    violations = check_replay(scenario, result)
    assert _broken(violations) == {("travel", "J1")}
    assert "depot SC-TH" in violations[0].message


def test_travel_is_from_the_last_customer(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """J2 follows J1 in T1's shift, so its drive starts at J1, not at the depot."""
    result["visits"][2] = _visit("J2", "T1", DEPOT, _at("12:30"), 50)
    assert _broken(check_replay(scenario, result)) == {("travel", "J2")}


def test_rounding_within_a_minute_is_accepted(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """Times off by 50 seconds (the README's minute of rounding) break no rule."""
    visit = _visit_of(result, "J1")
    visit["arrival"] = (datetime.fromisoformat(visit["arrival"]) + timedelta(seconds=50)).isoformat()
    assert check_replay(scenario, result) == []


def test_overlap_departing_before_the_previous_visit_ends(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """T1 cannot leave J1 (done 09:10) for J2 at about 09:02."""
    result["visits"][2] = _visit("J2", "T1", PLACES["J1"], _at("09:15"), 50)
    result["visits"].sort(key=lambda v: v["arrival"])
    violations = check_replay(scenario, result)
    assert _broken(violations, figures=False) == {("overlap", "J2")}
    assert "done with J1" in next(v.message for v in violations if v.rule == "overlap")


def test_break_outside_its_interval(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """T1's break must start between 11:30 and 13:30; 13:40 is too late."""
    result["breaks"][0] = {"technician": "T1", "start": _at("13:40").isoformat(), "end": _at("14:25").isoformat()}
    violations = check_replay(scenario, result)
    assert _broken(violations) == {("break", "T1")}
    assert "outside its interval" in violations[0].message


def test_break_during_a_drive(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """A break 11:40-12:25 overlaps T1's drive to J2, which leaves J1 about 12:17."""
    result["breaks"][0] = {"technician": "T1", "start": _at("11:40").isoformat(), "end": _at("12:25").isoformat()}
    violations = check_replay(scenario, result)
    assert _broken(violations) == {("break", "T1")}
    assert [v.message for v in violations if "drive to J2" in v.message] == [violations[0].message]


@pytest.mark.parametrize(
    ("breaks", "words"),
    [
        ([], "takes no break"),
        ([("11:30", "12:00"), ("13:00", "13:30")], "takes 2 breaks"),
        ([("11:30", "11:50")], "lasts 20.0 min"),
    ],
)
def test_break_count_and_length(
    scenario: dict[str, Any], result: dict[str, Any], breaks: list[tuple[str, str]], words: str
) -> None:
    """A working shift needs exactly one break of the shift's length."""
    result["breaks"][1:] = [
        {"technician": "T2", "start": _at(a).isoformat(), "end": _at(b).isoformat()} for a, b in breaks
    ]
    violations = check_replay(scenario, result)
    assert _broken(violations) == {("break", "T2")}
    assert words in violations[0].message


@pytest.mark.parametrize(
    ("call", "arrival", "start", "minutes"),
    [("J4", "18:20", "18:20", 30), ("J3", "08:03", "10:00", 60)],
    ids=["after-shift-end", "before-shift-start"],
)
def test_departure_outside_the_shift(
    scenario: dict[str, Any], result: dict[str, Any], call: str, arrival: str, start: str, minutes: int
) -> None:
    """T2 may leave only between 08:00 and 18:00: not at about 18:07 for J4, nor at about 07:49 for J3."""
    index = next(i for i, v in enumerate(result["visits"]) if v["call"] == call)
    origin = PLACES["J3"] if call == "J4" else DEPOT
    result["visits"][index] = _visit(call, "T2", origin, _at(arrival), minutes, start=_at(start))
    result["visits"].sort(key=lambda v: v["arrival"])
    violations = check_replay(scenario, result)
    assert _broken(violations, figures=False) == {("shift", call)}
    assert "outside its shift" in next(v.message for v in violations if v.rule == "shift")


@pytest.mark.parametrize(
    ("missed", "expected"),
    [([], {("missed", "J5")}), (["J5", "J1"], {("missed", "J1")}), (["J5", "J5"], {("duplicate", "J5")})],
    ids=["unserved-call-not-listed", "served-call-listed", "listed-twice"],
)
def test_missed_list(
    scenario: dict[str, Any], result: dict[str, Any], missed: list[str], expected: set[tuple[str, str]]
) -> None:
    """missed[] holds exactly the calls no visit serves, each once."""
    result["missed"] = missed
    assert _broken(check_replay(scenario, result)) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("served", 5),
        ("missed", 0),
        ("on_target_rate", 0.8),
        ("within_promise_rate", 0.6),
        ("response_median_min", 262.5),
        ("response_p90_min", 470.0),
        ("late_min_past_target", 175.0),
        ("travel_km", round(_travel_km() * 1.01, 2)),
        ("overtime_min", round(_overtime_min() + 2, 1)),
        ("policy_cpu_s", -1.0),
        ("calls", None),
    ],
)
def test_figures_misreported(scenario: dict[str, Any], result: dict[str, Any], key: str, value: float | None) -> None:
    """A figure that does not follow from the visits is reported under its own name."""
    result["figures"][key] = value
    assert _broken(check_replay(scenario, result)) == {("figures", key)}


@pytest.mark.parametrize("p90", [476.0, 530.0, 476.9])
def test_p90_accepts_the_usual_definitions(scenario: dict[str, Any], result: dict[str, Any], p90: float) -> None:
    """Inclusive interpolation (476) and nearest rank (530) of responses 60/260/530 are both accepted."""
    result["figures"]["response_p90_min"] = p90
    assert check_replay(scenario, result) == []


def test_call_served_twice(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """A second visit to J1 is a duplicate."""
    result["visits"].append(copy.deepcopy(result["visits"][0]))
    assert ("duplicate", "J1") in _broken(check_replay(scenario, result))


def test_window_start(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """T2 arrives at J3 at 09:45 and must wait for the window opening at 10:00."""
    result["visits"][1] = _visit("J3", "T2", DEPOT, _at("09:45"), 60)
    assert _broken(check_replay(scenario, result)) == {("window", "J3")}


def test_visit_duration(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """J1 takes 40 minutes, not 50."""
    _visit_of(result, "J1")["end"] = _at("09:20").isoformat()
    assert _broken(check_replay(scenario, result)) == {("duration", "J1")}


def test_arrival_after_the_horizon(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """With the horizon ending at 17:00, T2's 17:50 arrival at J4 does not serve it."""
    scenario["end"] = _at("17:00").isoformat()
    assert _broken(check_replay(scenario, result), figures=False) == {("horizon", "J4")}


def test_unknown_ids(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """A visit to a call, or a break of a technician, that the scenario does not have."""
    result["visits"].append(_visit("J1", "T2", DEPOT, _at("23:00"), 40) | {"call": "J9"})
    result["breaks"].append({"technician": "T9", "start": _at("12:00").isoformat(), "end": _at("12:30").isoformat()})
    assert _broken(check_replay(scenario, result)) == {("unknown", "J9"), ("unknown", "T9")}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("format", "dispatch-replay/2", {("format", "result")}),
        ("scenario", "guangzhou-3d-150cpd-30t-s1", {("scenario", "result")}),
        ("breaks", None, {("format", "result"), ("break", "T1"), ("break", "T2")}),
    ],
)
def test_format(
    scenario: dict[str, Any], result: dict[str, Any], key: str, value: Any, expected: set[tuple[str, str]]
) -> None:
    """The result names its format and its scenario, and holds lists."""
    result[key] = value
    assert _broken(check_replay(scenario, result)) == expected


def test_unreadable_visit_is_a_format_error(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """A visit whose arrival is not a time with offset is reported and otherwise skipped."""
    result["visits"][3]["arrival"] = "2026-07-06T17:50:00"
    violations = check_replay(scenario, result)
    assert ("format", "result") in _broken(violations)
    assert "visits[3]" in next(v.message for v in violations if v.rule == "format")


def test_visits_sorted_by_arrival(scenario: dict[str, Any], result: dict[str, Any]) -> None:
    """visits[] is sorted by arrival."""
    result["visits"][0], result["visits"][1] = result["visits"][1], result["visits"][0]
    assert _broken(check_replay(scenario, result)) == {("order", "J1")}


def test_real_scenario_with_every_call_missed() -> None:
    """The shipped Guangzhou scenario loads; a replay that serves nothing is consistent if it says so."""
    scenario = load_json(REPO / "data" / "scenarios" / "guangzhou-normal.json")
    calls = [c["id"] for c in scenario["calls"]]
    figures = {
        key: 0
        for key in (
            "served",
            "on_target_rate",
            "within_promise_rate",
            "response_median_min",
            "response_p90_min",
            "late_min_past_target",
            "travel_km",
            "overtime_min",
            "policy_cpu_s",
        )
    }
    result = {
        "format": "dispatch-replay/1",
        "scenario": scenario["name"],
        "policy": "idle",
        "visits": [],
        "breaks": [],
        "missed": calls,
        "figures": figures | {"calls": len(calls), "missed": len(calls)},
    }
    assert check_replay(scenario, result) == []
