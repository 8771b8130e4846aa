"""Distances, travel matrices, and locating addresses without ever touching the network."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.errors import NotFound
from dispatch.geo import TravelModel, distance_matrix_m, geodesic_m, locate, wgs84_to_gcj02
from dispatch.models import GeocodeCache

GUANGZHOU = [(23.132, 113.34), (23.19, 113.265), (22.945, 113.37), (23.11, 113.45), (23.5486, 113.5867)]


def test_matrix_matches_geopy_geodesic() -> None:
    """The vectorised matrix is within 1 m of geopy's exact geodesic for city distances."""
    rng = np.random.default_rng(3)
    points = list(zip(rng.uniform(22.7, 23.7, 40), rng.uniform(113.0, 114.0, 40), strict=True))
    lat, lon = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    matrix = distance_matrix_m(lat, lon)
    exact = np.array([[geodesic_m(a, b) for b in points] for a in points])
    assert np.max(np.abs(matrix - exact)) < 1.0
    assert np.all(np.diag(matrix) == 0)
    assert np.allclose(matrix, matrix.T)


def test_travel_time_is_road_distance_over_speed() -> None:
    """Road metres = geodesic x road factor; seconds = road metres / speed."""
    model = TravelModel(road_factor=1.35, speed_kmh=28.0)
    m = model.matrix(GUANGZHOU)
    geodesic = geodesic_m(GUANGZHOU[0], GUANGZHOU[1])
    assert m.distance_m[0, 1] == round(geodesic * 1.35)
    assert m.duration_s[0, 1] == round(geodesic * 1.35 / (28.0 / 3.6))
    assert m.distance_m.dtype == np.int64 and m.distance_m.shape == (5, 5)


def test_empty_matrix() -> None:
    """No points, an empty matrix."""
    assert TravelModel().matrix([]).distance_m.shape == (0, 0)


@dataclass
class FakeGeocoder:
    """Answers from a dict and counts calls: stands in for a geopy geocoder."""

    answers: dict[str, tuple[float, float]]
    calls: list[str] = field(default_factory=list)

    def geocode(self, query: str) -> object | None:
        self.calls.append(query)
        found = self.answers.get(query)
        if found is None:
            return None
        return type("Answer", (), {"latitude": found[0], "longitude": found[1]})()


def test_geocoder_answer_is_cached(sessions: sessionmaker[Session], settings: Settings) -> None:
    """An address is geocoded once; later look-ups come from the database cache."""
    geocoder = FakeGeocoder({"广州市天河区体育西路1号": (23.135, 113.32)})
    with sessions() as session:
        first = locate(session, "广州市天河区体育西路1号", "天河区", settings, geocoder)
        session.commit()
        second = locate(session, "广州市天河区体育西路1号", "天河区", settings, geocoder)
        assert (first.lat, first.lon, first.approximate) == (23.135, 113.32, False)
        assert second == first
        assert geocoder.calls == ["广州市天河区体育西路1号"]
        assert session.scalar(select(func.count()).select_from(GeocodeCache)) == 1


def test_unknown_address_falls_back_to_district_centre(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A miss is cached too, and the district centre is used, flagged approximate."""
    geocoder = FakeGeocoder({})
    with sessions() as session:
        where = locate(session, "不存在的地址", "番禺区", settings, geocoder)
        again = locate(session, "不存在的地址", "番禺区", settings, geocoder)
    assert where.approximate and again == where
    assert (where.lat, where.lon) == (22.9379, 113.3849)
    assert len(geocoder.calls) == 1


def test_without_geocoder_district_centre_is_used(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The default (no geocoder) never looks anything up and uses the district table."""
    with sessions() as session:
        where = locate(session, "广州市白云区某街", "白云区", settings)
    assert where.approximate
    assert (where.lat, where.lon) == (23.1575, 113.2730)


def test_unknown_district_without_geocoder_is_an_error(sessions: sessionmaker[Session], settings: Settings) -> None:
    """No coordinates, no geocoder and an unknown district: a clear error naming the district."""
    with sessions() as session, pytest.raises(NotFound, match="火星区"):
        locate(session, "某地", "火星区", settings)


def test_configured_geocoder_is_built_from_settings() -> None:
    """DISPATCH_GEOCODER names a geopy service; its options are passed on; nothing is looked up."""
    from geopy.geocoders import Nominatim

    from dispatch.geo import make_geocoder

    geocoder = make_geocoder(Settings(geocoder="nominatim", geocoder_options={"user_agent": "dispatch-test"}))
    assert isinstance(geocoder, Nominatim)
    assert make_geocoder(Settings()) is None


def test_settings_read_from_environment() -> None:
    """DISPATCH_* variables are parsed to their types; a bad number names its variable."""
    settings = Settings.from_env({"DISPATCH_TARGET_HOURS": "4", "DISPATCH_GEOCODER_OPTIONS": '{"timeout": 3}'})
    assert settings.target_hours == 4.0 and settings.geocoder_options == {"timeout": 3}
    with pytest.raises(ValueError, match="DISPATCH_SPEED_KMH"):
        Settings.from_env({"DISPATCH_SPEED_KMH": "fast"})


def test_gcj02_shift_matches_the_published_reference_and_spares_other_countries() -> None:
    """Tiananmen's widely quoted pair; a shift of a few hundred metres in Guangzhou; none in Paris."""
    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-9)
    lat, lon = 23.13, 113.26
    moved = geodesic_m((lat, lon), wgs84_to_gcj02(lat, lon))
    assert 200 < moved < 800
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
