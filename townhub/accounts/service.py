"""Signing in with a password hashed by argon2."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from townhub.accounts.models import User
from townhub.businesses.models import Business
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub

# OWASP's argon2id settings (19 MiB, 2 passes): argon2-cffi's default of 64 MiB a hash
# would let eight concurrent sign-ins take half a small VM's memory.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the e-mail is unknown, so both cases take the same time.
    return _hasher.hash("not a real password")


class InvalidCredentials(Exception):
    """The e-mail address and password do not match an account."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User:
    """The user with this e-mail and password; raises InvalidCredentials. Commits."""
    user: User | None = db.session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower())
    )
    try:
        _hasher.verify(
            user.password_hash if user and user.password_hash else _dummy_hash(), password
        )
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials from None
    if user is None or not user.password_hash:
        raise InvalidCredentials
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user


def load_user(session_id: str) -> User | None:
    """The user a session names, unless their password has changed since it began."""
    user_id, _, fingerprint = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.password_hash or user.password_fingerprint != fingerprint:
        return None
    return user


def create_user(*, email: str, name: str, role: str, password: str | None) -> User:
    """Add an account (used by the CLI and the demo data). Commits."""
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def managed_hubs(user: User) -> list[Hub]:
    """The hubs this user runs: every hub for a council admin, their own for a hub manager."""
    if user.role == "council_admin":
        return list(db.session.scalars(select(Hub).order_by(Hub.name)))
    if user.role == "hub_manager":
        return sorted(user.hubs, key=lambda hub: hub.name)
    return []


def may_manage_hub(user: User, hub: Hub) -> bool:
    return user.role == "council_admin" or (user.role == "hub_manager" and hub in user.hubs)


def may_act_for(user: User, business: Business) -> bool:
    """May post for, change and print posters of this business: its owners, its hub's
    managers and the council."""
    return may_manage_hub(user, business.hub) or (
        user.role == "owner" and business in user.businesses
    )
