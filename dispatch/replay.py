"""Replay of a `dispatch-scenario/1` day by day: the world side (data/scenarios/README.md, replay rules).

The world moves technicians: it drives them, makes them wait for windows, reveals how long each
visit really takes only when it ends, makes them take their break at a stop, and writes the
`dispatch-replay/1` result. A policy (dispatch.replay_policies) only decides, for a technician free
at a stop, which received call to go to and when.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import random
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from dispatch.geo import TravelModel

RESULT_FORMAT = "dispatch-replay/1"
# A trip is not started before the break when its estimated end, with this margin on the visit's
# estimate, would pass the break's latest start (a visit cannot be interrupted). In the shipped
# scenarios visits take up to 2.4x their estimate (90 % at most 1.5x). A wider margin keeps long
# morning visits waiting for the break: 2.0 left a 130-min install no start between 09:10 and the break
# (3-day replays, 2 s re-plans: on target 0.763 / 0.639 against 0.783 / 0.655 with 1.5, one break
# started late in each scenario with 1.5, in guangzhou-normal also with 2.0; 1.25: four late breaks).
# Planning keeps the same rule (Settings.break_guard), so that its plans are ones technicians follow.
BREAK_MARGIN = 1.5


@dataclass(frozen=True)
class Call:
    """A customer call as the scenario gives it; `actual_min` is the world's secret."""

    id: str
    received_at: datetime
    point: int  # index in the travel matrix
    skill: str
    estimate_min: int
    actual_min: int
    window: tuple[datetime, datetime] | None
    urgent: bool
    target: datetime
    promise: datetime

    @property
    def due(self) -> datetime:
        """The greedy baseline's due time: the window's start, else the target."""
        return self.window[0] if self.window else self.target

    def on_time(self, arrival: datetime, deadline: datetime) -> bool:
        return arrival <= (self.window[1] if self.window else deadline)


@dataclass(frozen=True)
class WorkShift:
    start: datetime
    end: datetime
    break_earliest: datetime | None
    break_latest: datetime | None
    break_minutes: int


@dataclass
class Crew:
    """One technician as the world sees them."""

    id: str
    depot_point: int
    skills: frozenset[str]
    shifts: list[WorkShift]
    point: int = 0  # where they stand
    busy_until: datetime | None = None
    breaks_taken: set[int] = field(default_factory=set)  # shift indexes
    shift_index: int | None = None  # the shift they are (or were last) on

    def shift_at(self, moment: datetime) -> int | None:
        """The shift during which one may leave at `moment`."""
        return next((i for i, s in enumerate(self.shifts) if s.start <= moment <= s.end), None)


@dataclass(frozen=True)
class Trip:
    """A policy's decision: go to `call`, leaving at `depart` (now or later)."""

    call: Call
    depart: datetime


class Policy(Protocol):
    """Decides for the world; it is told what happens and asked where free technicians go."""

    name: str

    def call_received(self, call: Call, now: datetime) -> None: ...

    def choose(self, tech: Crew, now: datetime, world: World) -> Trip | None: ...

    def departed(self, tech: Crew, call: Call, now: datetime) -> None: ...

    def arrived(self, tech: Crew, call: Call, now: datetime) -> None: ...

    def finished(self, tech: Crew, call: Call, now: datetime) -> None: ...

    def took_break(self, tech: Crew, start: datetime, end: datetime) -> None: ...

    def tick(self, now: datetime) -> None:
        """Called at every moment something happens, before choices: scheduled tasks run here."""

    def next_tick(self, now: datetime) -> datetime | None:
        """When the policy next wants the clock to stop (a scheduled task), if ever."""


@dataclass
class Scenario:
    """A parsed scenario: the world's fixed facts."""

    name: str
    start: datetime
    end: datetime
    calls: list[Call]
    crew: list[Crew]
    duration_s: Any  # travel seconds between matrix points
    distance_m: Any
    raw: dict[str, Any]

    def travel_s(self, a: int, b: int) -> float:
        return float(self.duration_s[a][b])


def parse_scenario(raw: dict[str, Any]) -> Scenario:
    """Read a `dispatch-scenario/1` object (already validated by the importer's rules)."""
    parse = datetime.fromisoformat
    travel = TravelModel(road_factor=raw["travel"]["road_factor"], speed_kmh=raw["travel"]["speed_kmh"])
    depots = {d["id"]: i for i, d in enumerate(raw["depots"])}
    points = [(d["lat"], d["lon"]) for d in raw["depots"]]
    target_h, promise_h = raw["sla"]["target_hours"], raw["sla"]["promise_hours"]
    calls = []
    for c in raw["calls"]:
        points.append((c["customer"]["lat"], c["customer"]["lon"]))
        received = parse(c["received_at"])
        window = (parse(c["window"]["start"]), parse(c["window"]["end"])) if c.get("window") else None
        calls.append(
            Call(
                c["id"],
                received,
                len(points) - 1,
                f"{c['product']}:{c['job_type']}",
                int(c["duration_min"]),
                int(c["actual_duration_min"]),
                window,
                c.get("priority") == "urgent",
                received + timedelta(hours=target_h),
                received + timedelta(hours=promise_h),
            )
        )
    crew = [
        Crew(t["id"], depots[t["depot"]], frozenset(t["skills"]), [_shift(s) for s in t["shifts"]], depots[t["depot"]])
        for t in raw["technicians"]
    ]
    matrix = travel.matrix(points)
    return Scenario(
        raw["name"],
        parse(raw["start"]),
        parse(raw["end"]),
        sorted(calls, key=lambda c: (c.received_at, c.id)),
        crew,
        matrix.duration_s,
        matrix.distance_m,
        raw,
    )


def reshuffled_durations(raw: dict[str, Any], seed: int) -> dict[str, Any]:
    """A copy of a `dispatch-scenario/1` object whose visits overrun differently: each call keeps its
    estimate, and the calls' ratios of actual to estimated length are dealt out again in a seeded
    order. Same calls, crew and overall spread of overruns; which visit overruns changes. A replay
    follows its overruns closely (one change moves the late calls around), so a policy is judged on
    several such copies, not on one day. The name gets `-d<seed>`."""
    variant = copy.deepcopy(raw)
    ratios = [c["actual_duration_min"] / c["duration_min"] for c in variant["calls"]]
    random.Random(seed).shuffle(ratios)
    for call, ratio in zip(variant["calls"], ratios, strict=True):
        call["actual_duration_min"] = max(1, round(call["duration_min"] * ratio))
    variant["name"] = f"{raw['name']}-d{seed}"
    return variant


def _shift(s: dict[str, Any]) -> WorkShift:
    pause = s.get("break")
    parse = datetime.fromisoformat
    if not pause:
        return WorkShift(parse(s["start"]), parse(s["end"]), None, None, 0)
    return WorkShift(
        parse(s["start"]), parse(s["end"]), parse(pause["earliest"]), parse(pause["latest"]), int(pause["minutes"])
    )


@dataclass
class World:
    """The replay's state: clock, events, technicians, what has been served."""

    scenario: Scenario
    policy: Policy
    progress: Callable[[float], None] | None = None
    now: datetime = field(init=False)
    received: dict[str, Call] = field(default_factory=dict)  # received, not yet left for
    taken: set[str] = field(default_factory=set)
    visits: list[dict[str, Any]] = field(default_factory=list)
    breaks: list[dict[str, Any]] = field(default_factory=list)
    _events: list[tuple[datetime, int, str, Any]] = field(default_factory=list)
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.now = self.scenario.start
        for call in self.scenario.calls:
            self._at(call.received_at, "call", call)
        for tech in self.scenario.crew:
            for shift in tech.shifts:
                self._at(shift.start, "wake", tech)
                if shift.break_earliest is not None:
                    self._at(shift.break_earliest, "wake", tech)

    def _at(self, moment: datetime, kind: str, payload: Any) -> None:
        heapq.heappush(self._events, (moment, next(self._seq), kind, payload))

    def run(self) -> None:
        """Play every event up to the scenario's end."""
        end = self.scenario.end
        while self._events or self.policy.next_tick(self.now) is not None:
            upcoming = self._events[0][0] if self._events else end
            tick = self.policy.next_tick(self.now)
            moment = min(upcoming, tick) if tick is not None else upcoming
            if moment >= end:
                break
            self.now = moment.astimezone(self.scenario.start.tzinfo)  # plans come back in UTC
            self._play_due()
            self.policy.tick(self.now)
            self._decide()
            if self.progress is not None:
                self.progress((self.now - self.scenario.start) / (end - self.scenario.start))
        self.now = end

    def _play_due(self) -> None:
        while self._events and self._events[0][0] <= self.now:
            _, _, kind, payload = heapq.heappop(self._events)
            if kind == "call":
                self.received[payload.id] = payload
                self.policy.call_received(payload, self.now)
            elif kind == "arrive":
                self._arrive(*payload)
            elif kind == "finish":
                self._finish(*payload)
            # "wake" and "free" only make the world decide again

    def _decide(self) -> None:
        for tech in self.scenario.crew:
            if tech.busy_until is None or tech.busy_until <= self.now:
                tech.busy_until = None
                self._next_move(tech)

    def _next_move(self, tech: Crew) -> None:
        shift_index = tech.shift_at(self.now)
        if shift_index is None:
            return
        if shift_index != tech.shift_index:  # a new shift starts at the depot
            tech.shift_index, tech.point = shift_index, tech.depot_point
        trip = self.policy.choose(tech, self.now, self)
        if trip is not None and trip.call.id in self.taken:
            trip = None
        if self._break_first(tech, shift_index, trip):
            return
        if trip is None:
            return
        if trip.depart > self.now:
            self._at(trip.depart, "wake", tech)
            return
        self._depart(tech, trip.call)

    def _break_first(self, tech: Crew, shift_index: int, trip: Trip | None) -> bool:
        """Take the shift's break here and now once its window is open (a visit cannot be interrupted,
        so it comes before the next trip); before the window, wait for it rather than start a trip
        that could run past its latest start. Waiting, the technician stays free: a re-plan meanwhile
        may give them a shorter visit that fits before the break (held busy until the break, a
        technician whose next stop was an afternoon appointment idled from 08:00 to 11:30 while the
        plans gave them the morning's calls)."""
        shift = tech.shifts[shift_index]
        if shift.break_earliest is None or shift.break_latest is None or shift_index in tech.breaks_taken:
            return False
        if self.now < shift.break_earliest:
            # The world wakes everyone at the break's earliest start (see __post_init__).
            return trip is not None and self._trip_end(tech, trip) > shift.break_latest
        end = self.now + timedelta(minutes=shift.break_minutes)
        self.breaks.append({"technician": tech.id, "start": _iso(self.now), "end": _iso(end)})
        self.policy.took_break(tech, self.now, end)
        tech.breaks_taken.add(shift_index)
        tech.busy_until = end
        self._at(end, "wake", tech)
        return True

    def _trip_end(self, tech: Crew, trip: Trip) -> datetime:
        call = trip.call
        arrival = max(self.now, trip.depart) + timedelta(seconds=self.scenario.travel_s(tech.point, call.point))
        start = max(arrival, call.window[0]) if call.window else arrival
        return start + timedelta(minutes=call.estimate_min * BREAK_MARGIN)

    def _depart(self, tech: Crew, call: Call) -> None:
        self.taken.add(call.id)
        self.received.pop(call.id, None)
        self.policy.departed(tech, call, self.now)
        arrival = self.now + timedelta(seconds=round(self.scenario.travel_s(tech.point, call.point)))
        tech.busy_until = arrival
        self._at(arrival, "arrive", (tech, call, self.now))

    def _arrive(self, tech: Crew, call: Call, departed: datetime) -> None:
        tech.point = call.point
        start = max(self.now, call.window[0]) if call.window else self.now
        end = start + timedelta(minutes=call.actual_min)
        self.policy.arrived(tech, call, self.now)
        self.visits.append(
            {
                "call": call.id,
                "technician": tech.id,
                "depart": _iso(departed),
                "arrival": _iso(self.now),
                "start": _iso(start),
                "end": _iso(end),
            }
        )
        tech.busy_until = end
        self._at(end, "finish", (tech, call))

    def _finish(self, tech: Crew, call: Call) -> None:
        self.policy.finished(tech, call, self.now)
        tech.busy_until = None

    def result(self, policy_cpu_s: float) -> dict[str, Any]:
        """The `dispatch-replay/1` object of what happened."""
        visits = sorted(self.visits, key=lambda v: (datetime.fromisoformat(v["arrival"]), v["call"]))
        served = {v["call"] for v in visits}
        missed = [c.id for c in self.scenario.calls if c.id not in served]
        return {
            "format": RESULT_FORMAT,
            "scenario": self.scenario.name,
            "policy": self.policy.name,
            "figures": figures(self.scenario, visits, policy_cpu_s),
            "visits": visits,
            "breaks": sorted(self.breaks, key=lambda b: (b["start"], b["technician"])),
            "missed": missed,
        }


def figures(scenario: Scenario, visits: list[dict[str, Any]], policy_cpu_s: float) -> dict[str, Any]:
    """The README's figures from the visits."""
    calls = {c.id: c for c in scenario.calls}
    on_target = within = 0
    responses, late_past_target = [], 0.0
    for v in visits:
        call, arrival = calls[v["call"]], datetime.fromisoformat(v["arrival"])
        on_target += call.on_time(arrival, call.target)
        within += call.on_time(arrival, call.promise)
        if call.window is None:
            responses.append((arrival - call.received_at).total_seconds() / 60)
            late_past_target += max(0.0, (arrival - call.target).total_seconds() / 60)
    travel_m, overtime_s = _travel_and_overtime(scenario, visits)
    total = len(scenario.calls)
    return {
        "calls": total,
        "served": len(visits),
        "missed": total - len(visits),
        "on_target_rate": on_target / total if total else 0.0,
        "within_promise_rate": within / total if total else 0.0,
        "response_median_min": round(statistics.median(responses), 1) if responses else 0.0,
        "response_p90_min": round(_p90(responses), 1) if responses else 0.0,
        "late_min_past_target": round(late_past_target, 1),
        "travel_km": round(travel_m / 1000, 1),
        "overtime_min": round(overtime_s / 60, 1),
        "policy_cpu_s": round(policy_cpu_s, 1),
    }


def _p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def _travel_and_overtime(scenario: Scenario, visits: list[dict[str, Any]]) -> tuple[float, float]:
    """Driving metres (returns to the depot included) and overtime seconds, shift by shift."""
    calls = {c.id: c for c in scenario.calls}
    metres = overtime = 0.0
    for tech in scenario.crew:
        own = sorted((v for v in visits if v["technician"] == tech.id), key=lambda v: v["depart"])
        for shift in tech.shifts:
            chain = [v for v in own if shift.start <= datetime.fromisoformat(v["depart"]) <= shift.end]
            if not chain:
                continue
            points = [tech.depot_point, *(calls[v["call"]].point for v in chain), tech.depot_point]
            metres += sum(float(scenario.distance_m[a][b]) for a, b in itertools.pairwise(points))
            back = datetime.fromisoformat(chain[-1]["end"]) + timedelta(
                seconds=scenario.travel_s(points[-2], tech.depot_point)
            )
            overtime += max(0.0, (back - shift.end).total_seconds())
    return metres, overtime


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
