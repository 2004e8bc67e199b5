"""Signing in with a password hashed by argon2."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from townhub.accounts.models import User, hub_managers
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


STAFF_ROLES = ("hub_manager", "council_admin")
_ROLE_NAMES = {
    "owner": "a business owner",
    "hub_manager": "a hub manager",
    "council_admin": "a council admin",
}


class AccountRefused(ValueError):
    """The account cannot be made or changed so; the message says why and what to do."""


def _check_hubs(role: str, hubs: Sequence[Hub]) -> None:
    if role == "hub_manager" and not hubs:
        raise AccountRefused("A hub manager needs a hub: add --hub SLUG (see hubs list).")
    if role != "hub_manager" and hubs:
        raise AccountRefused(
            "Only hub managers are given hubs (a council admin runs every hub): leave out --hub."
        )


def create_user(
    *, email: str, name: str, role: str, password: str | None, hubs: Sequence[Hub] = ()
) -> User:
    """Add an account (used by the CLI and the demo data), running these hubs if it is a
    hub manager's. Raises AccountRefused: the address has an account, or hubs are given to
    another role. Commits."""
    if hubs:
        _check_hubs(role, hubs)
    if _user_by_email(email.lower()) is not None:
        raise AccountRefused(f"{email} already has an account.")
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    user.hubs = list(hubs)
    db.session.add(user)
    db.session.commit()
    return user


def staff_to_invite(*, email: str, name: str, role: str, hubs: Sequence[Hub]) -> User:
    """A hub manager's or council admin's account with no password yet, to be invited: new,
    or the one made by an earlier invitation (its name updated and these hubs added).
    Raises AccountRefused: a bad address or name, hubs that do not fit the role, or an
    address that already signs in or has another role. Commits."""
    if role not in STAFF_ROLES:
        raise AccountRefused("Invite a hub manager or a council admin.")
    email = _checked_email(email)
    name = name.strip()
    if not name or len(name) > 120:
        raise AccountRefused("Give the person's name, at most 120 characters, with --name.")
    _check_hubs(role, hubs)
    user = _user_by_email(email)
    if user is not None and user.password_hash:
        raise AccountRefused(
            f"{email} already has an account with a password, so they can sign in. To give"
            f" them another hub: users add-hub {email} SLUG."
        )
    if user is not None and user.role != role:
        raise AccountRefused(
            f"{email} already has an account as {_ROLE_NAMES[user.role]}: use another address."
        )
    if user is None:
        user = User(email=email, role=role, password_hash=None)
        db.session.add(user)
    user.name = name
    user.hubs = [*user.hubs, *(hub for hub in hubs if hub not in user.hubs)]
    db.session.commit()
    return user


def add_hub(email: str, hub: Hub) -> bool:
    """Let this hub manager run one more hub; False if they already do. Raises
    AccountRefused: no such account, or not a hub manager's. Commits."""
    user = _user_by_email(email.strip().lower())
    if user is None:
        raise AccountRefused(f"No account has the address {email}: invite them with users invite.")
    if user.role != "hub_manager":
        raise AccountRefused(
            f"{user.email} is {_ROLE_NAMES[user.role]}: only hub managers are given hubs"
            " (a council admin runs every hub)."
        )
    if hub in user.hubs:
        return False
    user.hubs.append(hub)
    db.session.commit()
    return True


def _user_by_email(email: str) -> User | None:
    user: User | None = db.session.scalar(select(User).where(func.lower(User.email) == email))
    return user


def _checked_email(email: str) -> str:
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountRefused(f"{email!r} is not an e-mail address: {error}") from None
    return str(checked.normalized).lower()


def managers_of(hub: Hub) -> list[User]:
    """The hub managers who run this hub (not council admins, who see every hub)."""
    return list(
        db.session.scalars(
            select(User)
            .join(hub_managers, hub_managers.c.user_id == User.id)
            .where(hub_managers.c.hub_id == hub.id, User.role == "hub_manager")
            .order_by(User.id)
        )
    )


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
