"""Two languages: Simplified Chinese (default) and English, chosen per browser session.

Catalogues live as `.po` text in `web/translations`; they are compiled to `.mo` under the app's
instance folder when missing or older than their source, so no binary file is kept in the tree.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
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
    """Merge every `<lang>/LC_MESSAGES/*.po` under `source` into `<lang>/LC_MESSAGES/messages.mo` in `target`.

    One `.po` per area of the UI (messages.po, manager.po, ...) keeps the catalogues small and
    lets areas grow apart; Flask-Babel reads the single merged domain.
    """
    for folder in {po.parent for po in source.glob("*/LC_MESSAGES/*.po")}:
        sources = sorted(folder.glob("*.po"))
        mo = target / folder.relative_to(source) / "messages.mo"
        if mo.exists() and mo.stat().st_mtime >= max(po.stat().st_mtime for po in sources):
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, read_catalogue(folder))
    return target


def read_catalogue(folder: Path) -> Catalog:
    """All the `.po` files of one language folder as one catalogue."""
    merged = Catalog(locale=folder.parent.name)
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=folder.parent.name):
                if message.id:
                    merged[message.id] = message
    return merged


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
