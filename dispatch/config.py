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
    # Map tiles for the dispatcher's map (empty: no tiles, routes on a blank map, works offline);
    # `tile_datum` gcj02 for Chinese providers, whose tiles are in GCJ-02 coordinates.
    tile_url: str = ""
    tile_datum: str = "wgs84"

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
        if name == "geocoder_options":
            return json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"DISPATCH_{name.upper()}: cannot read {raw!r}: {exc}") from exc
    return raw


def data_dir(settings: Settings | None = None) -> Path:
    """The folder of sample data: configured, the source checkout's data/, or the installed copy."""
    if settings is not None and settings.data_dir:
        return Path(settings.data_dir)
    checkout = Path(__file__).resolve().parents[1] / "data"
    if (checkout / "districts.csv").exists():
        return checkout
    return Path(sys.prefix) / "share" / "dispatch" / "data"
