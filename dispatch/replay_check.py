"""Independent checker of replay results (`dispatch-replay/1`) against their scenario (`dispatch-scenario/1`).

Domain layer. Written from data/scenarios/README.md alone, with no knowledge of the simulator or of any
policy: it re-derives every rule and figure from the scenario and the result's visits and breaks, so that
anyone can re-check a replay. It owns `check_replay`, `recompute_figures` and the small file helpers the
command line calls.

Conventions where the README leaves a choice:

- A visit belongs to the technician's shift during which it departed (the nearest shift in time when the
  departure lies outside every shift, which is then reported). Within a shift the visits, in departure
  order, form a chain from the depot; the technician heads back to the depot right after its last visit
  (that drive is not in the file, so overtime and the return kilometres assume it, and breaks are not
  checked against it).
- A shift in which the technician made visits needs exactly one break; an idle shift may report one or none.
- `response_p90_min` is reported as the inclusive linear interpolation (numpy's default,
  `statistics.quantiles(..., n=10, method="inclusive")`); the check accepts any value between the lowest
  and highest of that, the nearest rank and the exclusive interpolation, widened by one minute.
- With no served call without a window, the response figures are 0 (null or NaN are accepted too).
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

__all__ = ["ReplayViolation", "check_files", "check_replay", "load_json", "recompute_figures"]

RESULT_FORMAT = "dispatch-replay/1"
# Times in results carry whole seconds at least; the README allows one minute of rounding on every rule.
TOLERANCE = timedelta(minutes=1)
TOLERANCE_MIN = 1.0
# Rates recomputed from the very times in the file agree up to float noise.
RATE_TOLERANCE = 1e-6
# Distances: the writer may use another geodesic implementation or round per leg.
KM_RELATIVE_TOLERANCE = 1e-3
KM_ABSOLUTE_TOLERANCE = 0.01
P90 = 0.9
FIGURE_KEYS = (
    "calls",
    "served",
    "missed",
    "on_target_rate",
    "within_promise_rate",
    "response_median_min",
    "response_p90_min",
    "late_min_past_target",
    "travel_km",
    "overtime_min",
)
RESPONSE_KEYS = frozenset({"response_median_min", "response_p90_min"})

Point = tuple[float, float]
Figures = dict[str, float | int]


@dataclass(frozen=True)
class ReplayViolation:
    """One broken rule: a short stable code, the call or technician (or figure) concerned, and why."""

    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.message}"


@dataclass(frozen=True)
class BreakRule:
    """A break of `minutes` that must start between `earliest` and `latest`."""

    earliest: datetime
    latest: datetime
    minutes: float


@dataclass(frozen=True)
class Shift:
    """One working period of a technician, from and back to its depot."""

    start: datetime
    end: datetime
    rest: BreakRule | None

    def label(self) -> str:
        """The shift as people read it, e.g. '2026-07-06 08:00:00 to 2026-07-06 18:00:00'."""
        return f"{_fmt(self.start)} to {_fmt(self.end)}"


@dataclass(frozen=True)
class Technician:
    """A technician of the scenario: where its shifts start and end, what it may do, and when."""

    id: str
    depot_id: str
    depot: Point
    skills: frozenset[str]
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class Call:
    """A customer call of the scenario, with what the replay needs to judge its visit."""

    id: str
    received_at: datetime
    place: Point
    skill: str
    actual_duration: timedelta
    window: tuple[datetime, datetime] | None


@dataclass(frozen=True)
class Scenario:
    """The parts of a `dispatch-scenario/1` file the checker uses, times in the scenario's time zone."""

    name: str
    tz: tzinfo
    end: datetime
    target: timedelta
    promise: timedelta
    road_factor: float
    speed_kmh: float
    technicians: dict[str, Technician]
    calls: dict[str, Call]

    def drive_km(self, origin: Point, destination: Point) -> float:
        """Road distance under the scenario's travel model: geodesic (WGS-84) x road factor."""
        return float(geodesic(origin, destination).km) * self.road_factor

    def drive_time(self, origin: Point, destination: Point) -> timedelta:
        """Driving time under the scenario's travel model, at `speed_kmh`."""
        return timedelta(hours=self.drive_km(origin, destination) / self.speed_kmh)

    def deadlines(self, call: Call) -> tuple[datetime, datetime]:
        """(target, promise) arrival deadlines: the window's end for a call with a window."""
        if call.window is not None:
            return call.window[1], call.window[1]
        return call.received_at + self.target, call.received_at + self.promise


@dataclass(frozen=True)
class Visit:
    """One entry of the result's `visits[]`."""

    call: str
    technician: str
    depart: datetime
    arrival: datetime
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Break:
    """One entry of the result's `breaks[]`."""

    technician: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ParsedResult:
    """The result's entries that could be read, and what was wrong with the others."""

    visits: list[Visit]
    breaks: list[Break]
    missed: list[str]
    violations: list[ReplayViolation]


# --- public API --------------------------------------------------------------------------------------------


def load_json(path: str | Path) -> Any:
    """Read one JSON file (UTF-8).

    Parameters
    ----------
    path
        The file to read.

    Returns
    -------
    Any
        The decoded document (an object for scenario and result files).
    """
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_files(scenario_path: str | Path, result_path: str | Path) -> list[ReplayViolation]:
    """Check a replay result file against its scenario file; see `check_replay`."""
    return check_replay(load_json(scenario_path), load_json(result_path))


def check_replay(scenario: dict[str, Any], result: dict[str, Any]) -> list[ReplayViolation]:
    """Every rule of data/scenarios/README.md the result breaks; empty when it is a valid replay.

    Parameters
    ----------
    scenario
        The decoded `dispatch-scenario/1` document (trusted: the reference input).
    result
        The decoded `dispatch-replay/1` document to check.

    Returns
    -------
    list[ReplayViolation]
        In the order the checks run: format, references, calls served and missed, each visit, each
        technician's chain of visits, breaks, then the reported figures.

    Raises
    ------
    KeyError, ValueError, TypeError
        If the scenario itself is malformed.
    """
    sc = parse_scenario(scenario)
    if not isinstance(result, dict):
        return [ReplayViolation("format", "result", f"expected a JSON object, got {type(result).__name__}")]
    parsed = parse_result(result, sc.tz)
    found = _check_header(sc, result) + parsed.violations + _check_order(parsed.visits)
    found += _check_references(sc, parsed)
    visits = _known_visits(sc, parsed.visits)
    found += _check_duplicates(visits) + _check_missed(sc, visits, parsed.missed)
    for visit in visits:
        found += _check_visit(sc, visit)
    for technician in sc.technicians.values():
        own = [v for v in visits if v.technician == technician.id]
        found += _check_chains(sc, technician, own)
        found += _check_breaks(technician, own, [b for b in parsed.breaks if b.technician == technician.id])
    return found + _check_figures(sc, _served(visits), result.get("figures"))


def recompute_figures(scenario: dict[str, Any], result: dict[str, Any]) -> Figures:
    """The README's figures (all but `policy_cpu_s`) recomputed from the result's visits alone.

    Visits of unknown calls or technicians are left out, and a call served twice counts once (its first
    visit). `response_p90_min` is the inclusive linear interpolation; see the module docstring.

    Parameters
    ----------
    scenario
        The decoded `dispatch-scenario/1` document.
    result
        The decoded `dispatch-replay/1` document.

    Returns
    -------
    dict[str, float | int]
        `calls`, `served`, `missed` (ints) and the rates, minutes and kilometres (floats).
    """
    sc = parse_scenario(scenario)
    return _figures(sc, _served(_known_visits(sc, parse_result(result, sc.tz).visits)))


# --- reading the files -------------------------------------------------------------------------------------


def parse_scenario(raw: dict[str, Any]) -> Scenario:
    """Convert a decoded scenario document to a `Scenario` (the scenario is trusted)."""
    tz = ZoneInfo(raw["timezone"])
    depots = {d["id"]: (float(d["lat"]), float(d["lon"])) for d in raw["depots"]}
    technicians = [_parse_technician(t, depots, tz) for t in raw["technicians"]]
    calls = [_parse_call(c, tz) for c in raw["calls"]]
    return Scenario(
        name=raw["name"],
        tz=tz,
        end=_scenario_time(raw["end"], tz),
        target=timedelta(hours=float(raw["sla"]["target_hours"])),
        promise=timedelta(hours=float(raw["sla"]["promise_hours"])),
        road_factor=float(raw["travel"]["road_factor"]),
        speed_kmh=float(raw["travel"]["speed_kmh"]),
        technicians={t.id: t for t in technicians},
        calls={c.id: c for c in calls},
    )


def _scenario_time(value: str, tz: tzinfo) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def _parse_technician(raw: dict[str, Any], depots: dict[str, Point], tz: tzinfo) -> Technician:
    shifts = sorted((_parse_shift(s, tz) for s in raw.get("shifts") or []), key=lambda s: s.start)
    return Technician(
        id=raw["id"],
        depot_id=raw["depot"],
        depot=depots[raw["depot"]],
        skills=frozenset(raw["skills"]),
        shifts=tuple(shifts),
    )


def _parse_shift(raw: dict[str, Any], tz: tzinfo) -> Shift:
    rest = raw.get("break")
    rule = None
    if rest:
        rule = BreakRule(
            _scenario_time(rest["earliest"], tz), _scenario_time(rest["latest"], tz), float(rest["minutes"])
        )
    return Shift(_scenario_time(raw["start"], tz), _scenario_time(raw["end"], tz), rule)


def _parse_call(raw: dict[str, Any], tz: tzinfo) -> Call:
    window = raw.get("window")
    return Call(
        id=raw["id"],
        received_at=_scenario_time(raw["received_at"], tz),
        place=(float(raw["customer"]["lat"]), float(raw["customer"]["lon"])),
        skill=f"{raw['product']}:{raw['job_type']}",
        actual_duration=timedelta(minutes=float(raw["actual_duration_min"])),
        window=(_scenario_time(window["start"], tz), _scenario_time(window["end"], tz)) if window else None,
    )


def parse_result(raw: dict[str, Any], tz: tzinfo) -> ParsedResult:
    """Read the result's visits, breaks and missed ids; unreadable entries become `format` violations."""
    problems: list[ReplayViolation] = []
    visits: list[Visit] = []
    for index, item in enumerate(_list_field(raw, "visits", problems)):
        fields = _read_entry(item, ("call", "technician"), ("depart", "arrival", "start", "end"), tz)
        if isinstance(fields, str):
            problems.append(ReplayViolation("format", "result", f"visits[{index}]: {fields}"))
            continue
        ids, times = fields
        visits.append(Visit(ids["call"], ids["technician"], *(times[k] for k in ("depart", "arrival", "start", "end"))))
    breaks: list[Break] = []
    for index, item in enumerate(_list_field(raw, "breaks", problems)):
        fields = _read_entry(item, ("technician",), ("start", "end"), tz)
        if isinstance(fields, str):
            problems.append(ReplayViolation("format", "result", f"breaks[{index}]: {fields}"))
            continue
        ids, times = fields
        breaks.append(Break(ids["technician"], times["start"], times["end"]))
    missed: list[str] = []
    for index, item in enumerate(_list_field(raw, "missed", problems)):
        if isinstance(item, str):
            missed.append(item)
        else:
            problems.append(ReplayViolation("format", "result", f"missed[{index}] is not a call id: {item!r}"))
    return ParsedResult(visits, breaks, missed, problems)


def _list_field(raw: dict[str, Any], key: str, problems: list[ReplayViolation]) -> list[Any]:
    value = raw.get(key)
    if isinstance(value, list):
        return value
    problems.append(ReplayViolation("format", "result", f"`{key}` must be a list, got {value!r}"))
    return []


def _read_entry(
    item: Any, id_keys: Sequence[str], time_keys: Sequence[str], tz: tzinfo
) -> tuple[dict[str, str], dict[str, datetime]] | str:
    """The entry's ids and times, or what is wrong with it."""
    if not isinstance(item, dict):
        return f"expected an object, got {item!r}"
    ids: dict[str, str] = {}
    for key in id_keys:
        if not isinstance(item.get(key), str):
            return f"`{key}` must be an id string, got {item.get(key)!r}"
        ids[key] = item[key]
    times: dict[str, datetime] = {}
    for key in time_keys:
        moment = _result_time(item.get(key), tz)
        if moment is None:
            return f"`{key}` must be an ISO 8601 time with offset, got {item.get(key)!r}"
        times[key] = moment
    return ids, times


def _result_time(value: Any, tz: tzinfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(tz)


def _known_visits(sc: Scenario, visits: Iterable[Visit]) -> list[Visit]:
    return [v for v in visits if v.call in sc.calls and v.technician in sc.technicians]


def _served(visits: Iterable[Visit]) -> dict[str, Visit]:
    """The first visit of each served call."""
    served: dict[str, Visit] = {}
    for visit in visits:
        served.setdefault(visit.call, visit)
    return served


# --- whole-file rules --------------------------------------------------------------------------------------


def _check_header(sc: Scenario, raw: dict[str, Any]) -> list[ReplayViolation]:
    found = []
    if raw.get("format") != RESULT_FORMAT:
        found.append(ReplayViolation("format", "result", f"format is {raw.get('format')!r}, not {RESULT_FORMAT!r}"))
    if raw.get("scenario") != sc.name:
        found.append(ReplayViolation("scenario", "result", f"replays {raw.get('scenario')!r}, not {sc.name!r}"))
    if not isinstance(raw.get("figures"), dict):
        found.append(ReplayViolation("format", "result", f"`figures` must be an object, got {raw.get('figures')!r}"))
    return found


def _check_order(visits: Sequence[Visit]) -> list[ReplayViolation]:
    return [
        ReplayViolation(
            "order",
            later.call,
            f"{later.call} is listed after {earlier.call} but arrives earlier ({_fmt(later.arrival)} < "
            f"{_fmt(earlier.arrival)}); visits must be sorted by arrival",
        )
        for earlier, later in itertools.pairwise(visits)
        if later.arrival < earlier.arrival
    ]


def _check_references(sc: Scenario, parsed: ParsedResult) -> list[ReplayViolation]:
    found = []
    for visit in parsed.visits:
        if visit.call not in sc.calls:
            found.append(
                ReplayViolation("unknown", visit.call, f"a visit serves {visit.call}, not a call of {sc.name}")
            )
        if visit.technician not in sc.technicians:
            found.append(
                ReplayViolation(
                    "unknown",
                    visit.technician,
                    f"{visit.call} is served by {visit.technician}, not a technician of {sc.name}",
                )
            )
    for rest in parsed.breaks:
        if rest.technician not in sc.technicians:
            found.append(
                ReplayViolation(
                    "unknown", rest.technician, f"a break is taken by {rest.technician}, not a technician of {sc.name}"
                )
            )
    for call_id in parsed.missed:
        if call_id not in sc.calls:
            found.append(
                ReplayViolation("unknown", call_id, f"{call_id} is listed as missed but is not a call of {sc.name}")
            )
    return found


def _check_duplicates(visits: Sequence[Visit]) -> list[ReplayViolation]:
    counts = Counter(v.call for v in visits)
    return [
        ReplayViolation("duplicate", call_id, f"{call_id} is served {count} times; a call is served at most once")
        for call_id, count in counts.items()
        if count > 1
    ]


def _check_missed(sc: Scenario, visits: Sequence[Visit], missed: Sequence[str]) -> list[ReplayViolation]:
    served = {v.call for v in visits}
    listed = Counter(missed)
    found = [
        ReplayViolation("duplicate", call_id, f"{call_id} is listed {count} times in missed[]")
        for call_id, count in listed.items()
        if count > 1
    ]
    for call_id in sc.calls:
        if call_id in served and call_id in listed:
            found.append(ReplayViolation("missed", call_id, f"{call_id} is listed as missed but a visit serves it"))
        elif call_id not in served and call_id not in listed:
            found.append(ReplayViolation("missed", call_id, f"{call_id} is neither served nor listed as missed"))
    return found


# --- one visit ---------------------------------------------------------------------------------------------


def _check_visit(sc: Scenario, visit: Visit) -> list[ReplayViolation]:
    call, technician = sc.calls[visit.call], sc.technicians[visit.technician]
    found = []
    if call.skill not in technician.skills:
        found.append(
            ReplayViolation(
                "skill", call.id, f"{technician.id} serves {call.id} without the skill {call.skill} it needs"
            )
        )
    if visit.depart < call.received_at - TOLERANCE:
        found.append(
            ReplayViolation(
                "before_received",
                call.id,
                f"{technician.id} leaves for {call.id} at {_fmt(visit.depart)}, before the call was received at "
                f"{_fmt(call.received_at)}",
            )
        )
    found += _check_window(call, visit)
    served_for = visit.end - visit.start
    if abs(served_for - call.actual_duration) > TOLERANCE:
        found.append(
            ReplayViolation(
                "duration",
                call.id,
                f"{technician.id} is at {call.id} from {_fmt(visit.start)} to {_fmt(visit.end)} "
                f"({_minutes(served_for):.1f} min), but the visit takes {_minutes(call.actual_duration):g} min",
            )
        )
    if visit.arrival > sc.end + TOLERANCE:
        found.append(
            ReplayViolation(
                "horizon",
                call.id,
                f"{technician.id} arrives at {call.id} at {_fmt(visit.arrival)}, "
                f"after the horizon ends at {_fmt(sc.end)}",
            )
        )
    return found


def _check_window(call: Call, visit: Visit) -> list[ReplayViolation]:
    opens = call.window[0] if call.window is not None else visit.arrival
    expected = max(visit.arrival, opens)
    if abs(visit.start - expected) <= TOLERANCE:
        return []
    why = f"window opens {_fmt(opens)}" if call.window is not None else "no window"
    return [
        ReplayViolation(
            "window",
            call.id,
            f"{visit.technician} arrives at {call.id} {_fmt(visit.arrival)} and starts {_fmt(visit.start)}; "
            f"with {why} it should start at {_fmt(expected)}",
        )
    ]


# --- a technician's chain of visits ------------------------------------------------------------------------


def _shift_index(technician: Technician, when: datetime) -> int | None:
    """The shift during which `when` falls, else the nearest one in time; None for a technician without shifts."""
    if not technician.shifts:
        return None

    def gap(index: int) -> timedelta:
        shift = technician.shifts[index]
        return max(shift.start - when, when - shift.end, timedelta(0))

    return min(range(len(technician.shifts)), key=gap)


def _by_shift(technician: Technician, visits: Iterable[Visit]) -> dict[int, list[Visit]]:
    """The technician's visits per shift index, each list in departure order."""
    chains: dict[int, list[Visit]] = defaultdict(list)
    for visit in sorted(visits, key=lambda v: v.depart):
        index = _shift_index(technician, visit.depart)
        if index is not None:
            chains[index].append(visit)
    return dict(sorted(chains.items()))


def _check_chains(sc: Scenario, technician: Technician, visits: Sequence[Visit]) -> list[ReplayViolation]:
    if visits and not technician.shifts:
        return [ReplayViolation("shift", v.call, f"{technician.id} has no shift at all") for v in visits]
    found: list[ReplayViolation] = []
    home: tuple[datetime, str] | None = None
    for index, chain in _by_shift(technician, visits).items():
        found += _check_chain(sc, technician, technician.shifts[index], chain, home)
        last = chain[-1]
        home = (last.end + sc.drive_time(sc.calls[last.call].place, technician.depot), last.call)
    return found


def _check_chain(
    sc: Scenario, technician: Technician, shift: Shift, chain: Sequence[Visit], home: tuple[datetime, str] | None
) -> list[ReplayViolation]:
    """One shift's visits: departures inside the shift, from a free technician, driven at the model's speed."""
    found: list[ReplayViolation] = []
    place, place_name = technician.depot, f"depot {technician.depot_id}"
    free: tuple[datetime, str] | None = None
    if home is not None:
        free = (home[0], f"back at its depot after {home[1]} in its previous shift")
    for visit in chain:
        if not shift.start - TOLERANCE <= visit.depart <= shift.end + TOLERANCE:
            found.append(
                ReplayViolation(
                    "shift",
                    visit.call,
                    f"{technician.id} leaves for {visit.call} at {_fmt(visit.depart)}, "
                    f"outside its shift {shift.label()}",
                )
            )
        if free is not None and visit.depart < free[0] - TOLERANCE:
            found.append(
                ReplayViolation(
                    "overlap",
                    visit.call,
                    f"{technician.id} leaves for {visit.call} at {_fmt(visit.depart)}, "
                    f"before it is {free[1]} ({_fmt(free[0])})",
                )
            )
        call = sc.calls[visit.call]
        found += _check_travel(sc, technician, visit, place, place_name)
        place, place_name = call.place, call.id
        free = (visit.end, f"done with {call.id}")
    return found


def _check_travel(
    sc: Scenario, technician: Technician, visit: Visit, origin: Point, origin_name: str
) -> list[ReplayViolation]:
    destination = sc.calls[visit.call].place
    expected = visit.depart + sc.drive_time(origin, destination)
    if abs(visit.arrival - expected) <= TOLERANCE:
        return []
    return [
        ReplayViolation(
            "travel",
            visit.call,
            f"{technician.id} drives to {visit.call} from {origin_name} ({sc.drive_km(origin, destination):.2f} km), "
            f"leaving {_fmt(visit.depart)}: it should arrive at {_fmt(expected)}, not {_fmt(visit.arrival)}",
        )
    ]


# --- breaks ------------------------------------------------------------------------------------------------


def _check_breaks(technician: Technician, visits: Sequence[Visit], breaks: Sequence[Break]) -> list[ReplayViolation]:
    if breaks and not technician.shifts:
        return [ReplayViolation("break", technician.id, "takes a break but has no shift at all")]
    taken: dict[int, list[Break]] = defaultdict(list)
    for rest in breaks:
        index = _shift_index(technician, rest.start)
        if index is not None:
            taken[index].append(rest)
    working = set(_by_shift(technician, visits))
    found: list[ReplayViolation] = []
    for index, shift in enumerate(technician.shifts):
        found += _check_shift_breaks(technician, shift, taken.get(index, []), index in working)
    for rest in breaks:
        found += _break_collisions(technician, rest, visits)
    return found


def _check_shift_breaks(
    technician: Technician, shift: Shift, breaks: Sequence[Break], working: bool
) -> list[ReplayViolation]:
    rule = shift.rest
    if rule is None:
        return [
            _break_violation(technician, f"takes a break {_span(b)} in its shift {shift.label()}, which has none")
            for b in breaks
        ]
    due = f"{rule.minutes:g} min starting between {_fmt(rule.earliest)} and {_fmt(rule.latest)}"
    if not breaks:
        return [_break_violation(technician, f"takes no break in its shift {shift.label()} ({due})")] if working else []
    found = []
    if len(breaks) > 1:
        spans = ", ".join(_span(b) for b in breaks)
        found.append(_break_violation(technician, f"takes {len(breaks)} breaks ({spans}) in shift {shift.label()}"))
    for rest in breaks:
        length = _minutes(rest.end - rest.start)
        if not rule.earliest - TOLERANCE <= rest.start <= rule.latest + TOLERANCE:
            found.append(_break_violation(technician, f"break {_span(rest)} starts outside its interval ({due})"))
        if abs(length - rule.minutes) > TOLERANCE_MIN:
            found.append(_break_violation(technician, f"break {_span(rest)} lasts {length:.1f} min ({due})"))
    return found


def _break_collisions(technician: Technician, rest: Break, visits: Iterable[Visit]) -> list[ReplayViolation]:
    """A break is taken at a stop: never during a drive (depart..arrival) nor a visit (start..end)."""
    found = []
    for visit in visits:
        for what, start, end in (("drive to", visit.depart, visit.arrival), ("visit at", visit.start, visit.end)):
            if rest.start < end - TOLERANCE and start < rest.end - TOLERANCE:
                found.append(
                    _break_violation(
                        technician,
                        f"break {_span(rest)} overlaps its {what} {visit.call} ({_fmt(start)} to {_fmt(end)})",
                    )
                )
    return found


def _break_violation(technician: Technician, message: str) -> ReplayViolation:
    return ReplayViolation("break", technician.id, message)


# --- figures -----------------------------------------------------------------------------------------------


def _figures(sc: Scenario, served: dict[str, Visit]) -> Figures:
    calls = len(sc.calls)
    on_target = within_promise = 0
    late_min = 0.0
    for call_id, visit in served.items():
        target, promise = sc.deadlines(sc.calls[call_id])
        on_target += visit.arrival <= target
        within_promise += visit.arrival <= promise
        if sc.calls[call_id].window is None:
            late_min += max(0.0, _minutes(visit.arrival - target))
    responses = _responses(sc, served)
    travel_km, overtime = _driving(sc, served.values())
    return {
        "calls": calls,
        "served": len(served),
        "missed": calls - len(served),
        "on_target_rate": on_target / calls if calls else 0.0,
        "within_promise_rate": within_promise / calls if calls else 0.0,
        "response_median_min": statistics.median(responses) if responses else 0.0,
        "response_p90_min": p90_inclusive(responses),
        "late_min_past_target": late_min,
        "travel_km": travel_km,
        "overtime_min": sum(max(0.0, minutes) for minutes in overtime),
    }


def _responses(sc: Scenario, served: dict[str, Visit]) -> list[float]:
    """Arrival minus received, in minutes, over served calls without window, sorted."""
    return sorted(
        _minutes(visit.arrival - sc.calls[call_id].received_at)
        for call_id, visit in served.items()
        if sc.calls[call_id].window is None
    )


def p90_inclusive(values: Sequence[float]) -> float:
    """The 90th percentile by linear interpolation between closest ranks (numpy's default); 0 when empty.

    Equal to `statistics.quantiles(values, n=10, method="inclusive")[-1]`: position 0.9 (n - 1) in the
    sorted values, counted from 0.
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = P90 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _p90_candidates(values: Sequence[float]) -> list[float]:
    """p90 under the usual definitions: inclusive interpolation, nearest rank, exclusive interpolation."""
    ordered = sorted(values)
    if not ordered:
        return [0.0]
    nearest_rank = ordered[math.ceil(P90 * len(ordered)) - 1]
    position = min(max(P90 * (len(ordered) + 1) - 1, 0.0), len(ordered) - 1.0)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    exclusive = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return [p90_inclusive(ordered), nearest_rank, exclusive]


def _driving(sc: Scenario, visits: Iterable[Visit]) -> tuple[float, list[float]]:
    """Kilometres driven (returns to the depot included) and, per working shift, minutes back past its end."""
    grouped: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        grouped[visit.technician].append(visit)
    total_km = 0.0
    overtime: list[float] = []
    for technician_id, own in grouped.items():
        technician = sc.technicians[technician_id]
        for index, chain in _by_shift(technician, own).items():
            places = [technician.depot, *(sc.calls[v.call].place for v in chain), technician.depot]
            total_km += sum(sc.drive_km(a, b) for a, b in itertools.pairwise(places))
            home = chain[-1].end + sc.drive_time(places[-2], technician.depot)
            overtime.append(_minutes(home - technician.shifts[index].end))
    return total_km, overtime


def _accepted_ranges(sc: Scenario, served: dict[str, Visit]) -> dict[str, tuple[float, float]]:
    """For each figure, the interval a correct report lies in, allowing one minute of rounding per rule."""
    point = _figures(sc, served)
    ranges = {key: (float(point[key]), float(point[key])) for key in ("calls", "served", "missed")}
    ranges["on_target_rate"] = _rate_range(sc, served, 0)
    ranges["within_promise_rate"] = _rate_range(sc, served, 1)
    responses = _responses(sc, served)
    median = float(point["response_median_min"])
    ranges["response_median_min"] = (median - TOLERANCE_MIN, median + TOLERANCE_MIN)
    candidates = _p90_candidates(responses)
    ranges["response_p90_min"] = (min(candidates) - TOLERANCE_MIN, max(candidates) + TOLERANCE_MIN)
    near_late = sum(
        1
        for call_id, visit in served.items()
        if sc.calls[call_id].window is None and visit.arrival > sc.deadlines(sc.calls[call_id])[0] - TOLERANCE
    )
    ranges["late_min_past_target"] = _widen(float(point["late_min_past_target"]), TOLERANCE_MIN * max(1, near_late))
    km = float(point["travel_km"])
    ranges["travel_km"] = _widen(km, km * KM_RELATIVE_TOLERANCE + KM_ABSOLUTE_TOLERANCE)
    near_overtime = sum(1 for minutes in _driving(sc, served.values())[1] if minutes > -TOLERANCE_MIN)
    ranges["overtime_min"] = _widen(float(point["overtime_min"]), TOLERANCE_MIN * max(1, near_overtime))
    return ranges


def _rate_range(sc: Scenario, served: dict[str, Visit], which: int) -> tuple[float, float]:
    """Lowest and highest rate when every arrival may be off by the rounding tolerance."""
    if not sc.calls:
        return 0.0, 1.0
    deadlines = [(visit.arrival, sc.deadlines(sc.calls[call_id])[which]) for call_id, visit in served.items()]
    surely = sum(arrival <= deadline - TOLERANCE for arrival, deadline in deadlines)
    maybe = sum(arrival <= deadline + TOLERANCE for arrival, deadline in deadlines)
    return surely / len(sc.calls) - RATE_TOLERANCE, maybe / len(sc.calls) + RATE_TOLERANCE


def _widen(value: float, margin: float) -> tuple[float, float]:
    return value - margin, value + margin


def _check_figures(sc: Scenario, served: dict[str, Visit], reported: Any) -> list[ReplayViolation]:
    if not isinstance(reported, dict):
        return []  # already reported by the header check
    ranges = _accepted_ranges(sc, served)
    no_responses = not _responses(sc, served)
    found = []
    for key in FIGURE_KEYS:
        value = _number(reported.get(key))
        if no_responses and key in RESPONSE_KEYS and (value is None or math.isnan(value)):
            continue
        low, high = ranges[key]
        if value is None:
            found.append(ReplayViolation("figures", key, f"missing or not a number: {reported.get(key)!r}"))
        elif not low <= value <= high:
            found.append(ReplayViolation("figures", key, f"reported {value:g}, recomputed {_range_text(low, high)}"))
    cpu = _number(reported.get("policy_cpu_s"))
    if cpu is None or not math.isfinite(cpu) or cpu < 0:
        found.append(
            ReplayViolation(
                "figures", "policy_cpu_s", f"must be a non-negative number, got {reported.get('policy_cpu_s')!r}"
            )
        )
    return found


def _range_text(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"between {low:.6g} and {high:.6g}"


def _number(value: Any) -> float | None:
    """The value as a float if it is a JSON number (not a boolean), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


# --- formatting --------------------------------------------------------------------------------------------


def _minutes(span: timedelta) -> float:
    return span.total_seconds() / 60.0


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _span(rest: Break) -> str:
    return f"{_fmt(rest.start)} to {_fmt(rest.end)}"
