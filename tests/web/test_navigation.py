"""The technician's navigation link."""

from __future__ import annotations

from web.technician import navigation_url


def test_navigation_link_uses_gcj02_coordinates() -> None:
    """AMap expects GCJ-02: the link carries the shifted point, lon first, and the name escaped."""
    url = navigation_url(39.915, 116.404, "王 先生")
    assert url is not None and "to=116.410244,39.916404,%E7%8E%8B%20%E5%85%88%E7%94%9F" in url
    assert navigation_url(None, None, "x") is None
