"""Browser libraries installed as Python packages (XStatic), served by the app: no CDN, nothing copied."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue
from xstatic.pkg import leaflet

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/leaflet/<path:filename>")
def leaflet_file(filename: str) -> ResponseReturnValue:
    """Leaflet's files (leaflet.js, leaflet.css, images/...)."""
    return send_from_directory(leaflet.BASE_DIR, filename, max_age=86400)
