"""Browser libraries installed as Python packages (XStatic), served by the app: no CDN, nothing copied."""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue
from xstatic.pkg import leaflet

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# The plotly Python package ships its JavaScript bundle; the dashboard's charts use it.
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"


@bp.get("/leaflet/<path:filename>")
def leaflet_file(filename: str) -> ResponseReturnValue:
    """Leaflet's files (leaflet.js, leaflet.css, images/...)."""
    return send_from_directory(leaflet.BASE_DIR, filename, max_age=86400)


@bp.get("/plotly/plotly.min.js")
def plotly_script() -> ResponseReturnValue:
    """Plotly's browser bundle, as installed with the plotly package."""
    return send_from_directory(PLOTLY_DIR, "plotly.min.js", max_age=86400)
