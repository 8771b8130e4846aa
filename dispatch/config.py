"""Settings of the dispatch services, read once from the environment (prefix DISPATCH_).

Services take a `Settings` as an argument; nothing below `web` reads Flask's config.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite:///dispatch.db"


@dataclass(frozen=True)
class Settings:
    """Every knob of the services, with the defaults of a Guangzhou service centre."""

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Shanghai"
    country: str = "CN"
    target_hours: float = 6.0
    promise_hours: float = 24.0
    road_factor: float = 1.35
    speed_kmh: float = 28.0
    default_area_code: str = "020"
    geocoder: str = ""
    geocoder_options: Mapping[str, Any] = field(default_factory=dict)
    data_dir: str = ""
    # Re-planning the rest of the day (scheduler and replay alike): solver time per re-plan, and how
    # long a triggering event waits for others before the re-plan runs (debounce).
    replan_time_limit_s: float = 3.0
    replan_every_min: float = 10.0
    replan_debounce_s: float = 30.0
    # Scheduler (`dispatch scheduler`, or inside `dispatch serve`): daily times are HH:MM in the business
    # timezone; the rest-of-day re-plan runs every `replan_every_min`. `scheduler_disabled` lists task ids
    # that do not run, comma-separated (e.g. "publish_if_unpublished,sla_watch"); see dispatch.scheduling.
    plan_tomorrow_at: str = "18:00"
    publish_at: str = "07:00"
    replan_poll_s: float = 15.0  # how often pending re-plan requests are looked at
    sla_watch_every_s: float = 60.0
    scheduler_disabled: str = ""
    # A visit may run past the shift's end; the drive home after it is overtime, paid and capped. Three
    # hours let a day-shift technician keep an evening appointment (18:00-20:00) with a long visit or
    # across town, and the last visits reach the outer districts (Conghua, Zengcheng: 2 h from a depot).
    # 3-day replays with 2 s re-plans, against 2 hours: guangzhou-peak on target 0.721 / within promise
    # 0.850 against 0.689 / 0.818, guangzhou-normal 0.777 / 0.947 / nothing missed against 0.760 / 0.920
    # / 2 missed (BENCHMARKS.md "Replay"); 1 hour against 2: 251 calls served against 259.
    overtime_cap_min: float = 180.0
    # A visit a re-plan puts before a technician's break must end by the break's latest start even if it takes
    # this many times its estimate (a visit is not interrupted; in the shipped scenarios 90 % of visits
    # take at most 1.5 times their estimate). The replay's technicians keep the same rule (replay.BREAK_MARGIN,
    # where the choice of 1.5 is measured).
    break_guard: float = 1.5
    # A call's 6-hour target as a deadline in plans: reached by then or left out and flagged, not planned
    # a few minutes late (see dispatch.planning._job, where it is measured).
    target_as_deadline: bool = True
    # Map tiles for the dispatcher's map (empty: no tiles, routes on a blank map, works offline);
    # `tile_datum` gcj02 for Chinese providers, whose tiles are in GCJ-02 coordinates.
    tile_url: str = ""
    tile_datum: str = "wgs84"
    # Customer messages (dispatch.messages): e-mail goes out when `smtp_host` is set, SMS when an
    # `sms_gateway` is named (its approved template code per message kind in `sms_templates`, JSON);
    # a re-plan tells the customer when it moves an arrival by more than `delay_notice_minutes`.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    sms_gateway: str = ""
    sms_sign_name: str = ""
    sms_templates: Mapping[str, str] = field(default_factory=dict)
    message_language: str = "zh_Hans"
    delay_notice_minutes: int = 30
    # After-sales service (dispatch.followups, dispatch.complaints, dispatch.compensation): when the
    # day's follow-up calls are created, when unanswered complaints escalate to the managers (the end
    # of the business day), and the late-arrival compensation: this percentage of the job's charge,
    # clamped to [min, max] yuan, for every job whose promise was missed.
    follow_ups_at: str = "07:00"
    complaints_escalate_at: str = "18:00"
    compensation_percent: float = 5.0
    compensation_min_yuan: float = 1.0
    compensation_max_yuan: float = 30.0

    @property
    def tz(self) -> ZoneInfo:
        """The business timezone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `DISPATCH_<FIELD>` variables, then apply `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"DISPATCH_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.tz  # noqa: B018 - fail early on an unknown timezone name
        return settings


def _parse(name: str, type_name: Any, raw: str) -> Any:
    """Convert one environment string to the field's type, naming the variable on error."""
    try:
        if type_name == "float":
            return float(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "bool":
            return _flag(raw)
        if str(type_name).startswith("Mapping"):  # JSON objects, e.g. geocoder_options
            return json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"DISPATCH_{name.upper()}: cannot read {raw!r}: {exc}") from exc
    return raw


def _flag(raw: str) -> bool:
    """A yes/no variable; `bool("false")` would be True, so the words are spelled out."""
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def data_dir(settings: Settings | None = None) -> Path:
    """The folder of sample data: configured, the source checkout's data/, or the installed copy."""
    if settings is not None and settings.data_dir:
        return Path(settings.data_dir)
    checkout = Path(__file__).resolve().parents[1] / "data"
    if (checkout / "districts.csv").exists():
        return checkout
    return Path(sys.prefix) / "share" / "dispatch" / "data"
