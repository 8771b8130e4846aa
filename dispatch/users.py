"""Sign-in accounts: adding users with a role, checking passwords, issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.errors import DispatchError
from dispatch.models import Role, Technician, User
from dispatch.store import by_external_id

MIN_PASSWORD = 8


class UserError(DispatchError, ValueError):
    """A user that cannot be added as asked; the message names the field."""


def add_user(
    session: Session, username: str, password: str, role: str, at: datetime, technician: str | None = None
) -> User:
    """A new active user; a technician account names its technician's external id."""
    username = username.strip()
    if not username:
        raise UserError("username: must not be empty")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username: {username!r} is taken")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(f"role: {role!r} is not one of {', '.join(r.value for r in Role)}") from None
    linked = _technician(session, parsed, technician)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=parsed.value,
        technician_id=linked.id if linked else None,
        created_at=at,
    )
    session.add(user)
    session.flush()
    return user


def _technician(session: Session, role: Role, external_id: str | None) -> Technician | None:
    if role != Role.TECHNICIAN:
        if external_id:
            raise UserError("technician: only a technician account is linked to a technician")
        return None
    if not external_id:
        raise UserError("technician: a technician account needs the technician's id")
    tech = by_external_id(session, Technician, external_id)
    if tech is None:
        raise UserError(f"technician: no technician {external_id!r}")
    if session.scalar(select(User.id).where(User.technician_id == tech.id)) is not None:
        raise UserError(f"technician: {external_id!r} already has an account")
    return tech


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same answer for either mistake)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_token(user: User) -> str:
    """A new API token for the user (replacing any earlier one); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _digest(token)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user holding this API token."""
    user = session.scalar(select(User).where(User.api_token_hash == _digest(token)))
    return user if user is not None and user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
