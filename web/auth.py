"""Sign-in and roles: Flask-Login sessions, CSRF-protected forms, and a decorator per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from dispatch.models import Role, User
from dispatch.users import authenticate
from web.db import db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])

# Where each role lands after signing in.
HOME = {
    Role.DISPATCHER.value: "dispatcher.board",
    Role.TECHNICIAN.value: "technician.day",
    Role.MANAGER.value: "manager.dashboard",
    Role.ADMIN.value: "overview.index",
}


@dataclass(frozen=True)
class SignedIn(UserMixin):
    """What a request knows of its user: no ORM object outlives its session."""

    id: int
    username: str
    role: str
    technician_id: int | None

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, user: User) -> SignedIn:
        return cls(user.id, user.username, user.role, user.technician_id)


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(lazy_gettext("Username"), validators=[DataRequired()])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])


def init_auth(app: Flask) -> None:
    """Sign-in sessions for the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in.")
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    user = db().get(User, int(user_id))
    return SignedIn.of(user) if user is not None and user.active else None


def roles_required(*roles: Role) -> Callable[[F], F]:
    """The view needs a signed-in user with one of `roles` (admins may do anything); else 403."""
    allowed = {r.value for r in roles} | {Role.ADMIN.value}

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; a wrong name or password gets one message for both."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db(), form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(SignedIn.of(user))
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME[user.role]))
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("auth.login"))
