"""Two languages: Simplified Chinese (default) and English, chosen per browser session.

Catalogues live as `.po` text in `web/translations`; they are compiled to `.mo` under the app's
instance folder when missing or older than their source, so no binary file is kept in the tree.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel
from sqlalchemy import select

from dispatch.models import JobType, ProductKind
from web.db import db

SOURCE = Path(__file__).parent / "translations"
LANGUAGES = {"zh_Hans": "中文", "en": "English"}
DEFAULT = "zh_Hans"

bp = Blueprint("i18n", __name__)


def compile_catalogues(source: Path, target: Path) -> Path:
    """Compile every `<lang>/LC_MESSAGES/messages.po` under `source` into the same layout in `target`."""
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parts[-3])
        with mo.open("wb") as handle:
            write_mo(handle, catalogue)
    return target


def current_locale() -> str:
    """The language the user picked, else the browser's best match, else Chinese."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    best = request.accept_languages.best_match(["zh", "en"]) if request else None
    return "en" if best == "en" else DEFAULT


def label(code: str) -> str:
    """The name of a product kind or job type in the current language (the code if unknown)."""
    if "vocabulary" not in g:
        rows = [*db().scalars(select(ProductKind)), *db().scalars(select(JobType))]
        g.vocabulary = {row.code: (row.name_zh, row.name_en) for row in rows}
    names = g.vocabulary.get(code)
    if names is None:
        return code
    return str(names[0] if current_locale() == DEFAULT else names[1])


def init_i18n(app: Flask) -> None:
    """Flask-Babel with the compiled catalogues, and the language switch route."""
    compiled = compile_catalogues(SOURCE, Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    Babel(app, locale_selector=current_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["label"] = label
    app.register_blueprint(bp)


@bp.get("/lang/<code>")
def switch(code: str) -> ResponseReturnValue:
    """Remember the language for this browser session and go back."""
    if code in LANGUAGES:
        session["lang"] = code
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(back or url_for("overview.index"))
