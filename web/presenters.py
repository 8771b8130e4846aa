"""What the plan page draws: map routes (coordinates in the tiles' datum) and timeline blocks.

Pure functions of a stored plan version; the templates only place what these return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.geo import wgs84_to_gcj02
from dispatch.models import PlanRoute, PlanVersion

# Distinct colours for routes (ColorBrewer-like qualitative set), repeated beyond twelve technicians.
COLOURS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939",
)  # fmt: skip


def colour(index: int) -> str:
    """The colour of the index-th route."""
    return COLOURS[index % len(COLOURS)]


def map_routes(version: PlanVersion, tz: ZoneInfo, datum: str = "wgs84") -> list[dict[str, Any]]:
    """Per route: colour, technician, and points depot -> stops -> depot as [lat, lon] in `datum`."""

    def point(lat: float | None, lon: float | None) -> list[float] | None:
        if lat is None or lon is None:
            return None
        return list(wgs84_to_gcj02(lat, lon) if datum == "gcj02" else (lat, lon))

    routes = []
    for i, route in enumerate(version.routes):
        depot = route.technician.depot
        stops = [
            {
                "at": point(s.job.customer.lat, s.job.customer.lon),
                "label": f"{s.arrival.astimezone(tz):%H:%M} {s.job.customer.name}",
                "job": s.job.external_id,
            }
            for s in route.stops
        ]
        home = point(depot.lat, depot.lon)
        routes.append(
            {
                "technician": route.technician.name,
                "colour": colour(i),
                "depot": home,
                "stops": [s for s in stops if s["at"] is not None],
            }
        )
    return routes


@dataclass(frozen=True)
class Block:
    """One bar on a timeline row, in percent of the day's span."""

    kind: str  # travel, wait, visit, break, target, promise
    left: float
    width: float
    title: str


@dataclass(frozen=True)
class Row:
    """One technician's timeline."""

    technician: str
    colour: str
    blocks: list[Block]


def timeline(version: PlanVersion, tz: ZoneInfo) -> tuple[list[Row], list[tuple[float, str]]]:
    """Rows of blocks (travel, waiting, visits, break; deadline marks) and hour ticks (percent, label)."""
    if not version.routes:
        return [], []
    first = min(r.depart for r in version.routes)
    last = max(r.back for r in version.routes)
    span = max((last - first).total_seconds(), 1.0)

    def pct(moment: datetime) -> float:
        return round(100 * (moment - first).total_seconds() / span, 3)

    def block(kind: str, start: datetime, end: datetime, title: str) -> Block:
        left = min(max(pct(start), 0.0), 100.0)
        return Block(kind, left, round(max(min(pct(end), 100.0) - left, 0.0), 3), title)

    rows = [Row(r.technician.name, colour(i), _blocks(r, tz, block)) for i, r in enumerate(version.routes)]
    ticks = []
    hour = first.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while hour <= last:
        if hour >= first:
            ticks.append((pct(hour), f"{hour:%H}:00"))
        hour += timedelta(hours=1)
    return rows, ticks


def _blocks(route: PlanRoute, tz: ZoneInfo, block: Any) -> list[Block]:
    blocks, ready = [], route.depart
    for stop in route.stops:
        name = stop.job.customer.name
        blocks.append(block("travel", ready, stop.arrival, f"→ {name}"))
        if stop.start > stop.arrival:
            blocks.append(block("wait", stop.arrival, stop.start, f"{name}"))
        blocks.append(block("visit", stop.start, stop.end, f"{stop.start.astimezone(tz):%H:%M} {name}"))
        for kind, deadline in (("target", stop.job.target_at), ("promise", stop.job.promise_at)):
            if route.depart <= deadline <= route.back:
                blocks.append(block(kind, deadline, deadline, f"{kind} {name} {deadline.astimezone(tz):%H:%M}"))
        ready = stop.end
    blocks.append(block("travel", ready, route.back, "→ depot"))
    if route.break_start and route.break_end:
        blocks.append(block("break", route.break_start, route.break_end, "break"))
    return blocks
