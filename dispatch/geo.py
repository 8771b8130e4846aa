"""Geography: geodesic distances, travel matrices, geocoding with a database cache, district centres.

Distances are WGS84 geodesics (geopy for single pairs; a vectorised ellipsoidal formula for
matrices). Travel follows the scenario model: distance x road factor, driven at a fixed speed.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from geopy.distance import geodesic
from geopy.geocoders import get_geocoder_for_service
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from dispatch.config import Settings, data_dir
from dispatch.errors import NotFound
from dispatch.models import GeocodeCache

log = logging.getLogger(__name__)

WGS84_A_M = 6378137.0
WGS84_F = 1 / 298.257223563


@dataclass(frozen=True)
class Location:
    """A WGS84 point, flagged when it stands for a district rather than the address."""

    lat: float
    lon: float
    approximate: bool = False


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two (lat, lon) points."""
    return float(geodesic(a, b).meters)


def distance_matrix_m(lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.float64]:
    """All-pairs ellipsoidal distances in metres (Lambert's formula on WGS84).

    Within a metre of the exact geodesic at city scale, and vectorised: geopy's exact solver
    takes about 50 µs a pair, far too slow for the 4 million pairs of a 2,000-point matrix.
    """
    lat = np.radians(np.asarray(lats, dtype=np.float64))
    lon = np.radians(np.asarray(lons, dtype=np.float64))
    beta = np.arctan((1 - WGS84_F) * np.tan(lat))  # reduced latitudes
    sin_b, cos_b = np.sin(beta), np.cos(beta)
    # Every angle difference is expanded into outer products of 1-D sines and cosines, so the
    # only trigonometry over the n x n pairs is one arcsin: that is what makes 2,000 points fast.
    # Half-angle sines (sin(x/2 - y/2) expanded) keep full precision for points metres apart.
    half_b, half_l = beta / 2, lon / 2
    sin_half_db = np.outer(np.cos(half_b), np.sin(half_b)) - np.outer(np.sin(half_b), np.cos(half_b))
    sin_half_dl = np.outer(np.cos(half_l), np.sin(half_l)) - np.outer(np.sin(half_l), np.cos(half_l))
    hav = sin_half_db**2 + np.outer(cos_b, cos_b) * sin_half_dl**2  # sin^2(sigma / 2)
    np.clip(hav, 0.0, 1.0, out=hav)
    sigma = 2 * np.arcsin(np.sqrt(hav))
    sin_sigma = 2 * np.sqrt(hav * (1 - hav))
    sum_sq = (np.add.outer(sin_b, sin_b) / 2) ** 2  # sin^2 P cos^2 Q
    diff_sq = (np.subtract.outer(sin_b, sin_b) / 2) ** 2  # cos^2 P sin^2 Q
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - sin_sigma) * sum_sq / (1 - hav)
        y = (sigma + sin_sigma) * diff_sq / hav
        dist = WGS84_A_M * (sigma - WGS84_F / 2 * (x + y))
    return np.where(hav > 0, dist, 0.0)


@dataclass(frozen=True)
class TravelModel:
    """Road distance = geodesic x `road_factor`; time = road distance / `speed_kmh`."""

    road_factor: float = 1.35
    speed_kmh: float = 28.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TravelModel:
        """The model configured for the service centre."""
        return cls(road_factor=settings.road_factor, speed_kmh=settings.speed_kmh)

    def matrix(self, points: list[tuple[float, float]]) -> TravelMatrix:
        """Road distances (m) and driving times (s) between all `points`, as integers."""
        if not points:
            empty = np.zeros((0, 0), dtype=np.int64)
            return TravelMatrix(distance_m=empty, duration_s=empty)
        coords = np.asarray(points, dtype=np.float64)
        road_m = distance_matrix_m(coords[:, 0], coords[:, 1]) * self.road_factor
        seconds = road_m / (self.speed_kmh / 3.6)
        return TravelMatrix(distance_m=np.rint(road_m).astype(np.int64), duration_s=np.rint(seconds).astype(np.int64))


@dataclass(frozen=True)
class TravelMatrix:
    """Square integer matrices indexed like the points they were built from."""

    distance_m: NDArray[np.int64]
    duration_s: NDArray[np.int64]


@cache
def _district_centres(path: Path) -> dict[str, Location]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["district"]: Location(float(row["lat"]), float(row["lon"]), approximate=True)
            for row in csv.DictReader(handle)
        }


def district_centres(settings: Settings) -> dict[str, Location]:
    """District name -> centre, from `districts.csv` in the data folder."""
    return _district_centres(data_dir(settings) / "districts.csv")


class Geocoder(Protocol):
    """What dispatch needs of a geopy geocoder."""

    def geocode(self, query: str) -> Any:  # pragma: no cover - protocol
        """Return an object with `latitude` and `longitude`, or None."""


def make_geocoder(settings: Settings) -> Geocoder | None:
    """The geopy geocoder named in the settings (e.g. `nominatim`), or None when none is set."""
    if not settings.geocoder:
        return None
    service = get_geocoder_for_service(settings.geocoder)
    geocoder: Geocoder = service(**dict(settings.geocoder_options))
    return geocoder


def locate(
    session: Session,
    address: str,
    district: str,
    settings: Settings,
    geocoder: Geocoder | None = None,
) -> Location:
    """Coordinates for an address: the cached or fresh geocoder answer, else the district centre.

    Raises
    ------
    NotFound
        When the address cannot be geocoded and the district has no known centre.
    """
    if geocoder is not None and address:
        found = _geocode_cached(session, geocoder, settings.geocoder or type(geocoder).__name__, address)
        if found is not None:
            return found
    centre = district_centres(settings).get(district)
    if centre is None:
        raise NotFound(f"district {district!r} has no known centre and the address could not be geocoded")
    return centre


def _geocode_cached(session: Session, geocoder: Geocoder, provider: str, address: str) -> Location | None:
    cached = session.get(GeocodeCache, (address, provider))
    if cached is None:
        answer = geocoder.geocode(address)
        lat = None if answer is None else float(answer.latitude)
        lon = None if answer is None else float(answer.longitude)
        cached = GeocodeCache(address=address, provider=provider, lat=lat, lon=lon, looked_up_at=datetime.now(UTC))
        session.add(cached)
        log.info("geocoded %r with %s: %s", address, provider, (lat, lon))
    if cached.lat is None or cached.lon is None:
        return None
    return Location(cached.lat, cached.lon)


# GCJ-02 ("Mars coordinates"), the datum Chinese map apps and tile providers use: WGS84 shifted by a
# published, deliberately irregular function of position. Outside mainland China there is no shift.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _outside_china(lat: float, lon: float) -> bool:
    return not (0.8293 <= lat <= 55.8271 and 72.004 <= lon <= 137.8347)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in GCJ-02 for a WGS84 point; unchanged outside mainland China."""
    if _outside_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon
