"""Bringing a business owner in: a hub manager adds the business and gets a one-time,
expiring link (shown as a QR code to scan in the shop); the owner opens it on their
phone and sets a password. A forgotten password gets a new link the same way. Hub
managers and council admins are invited the same way, from the command line."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from townhub.accounts.models import Invite, User
from townhub.accounts.service import hash_password, may_manage_hub
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.moderation.service import record

# An invitation is handed over in the shop and may be opened days later; a reset is
# asked for when the owner is stuck, so it need not live long.
LIFETIME = {"invite": timedelta(days=14), "reset": timedelta(days=2)}


class NotAllowed(PermissionError):
    """This user may not do that."""


class EmailTaken(ValueError):
    """The e-mail address belongs to someone who is not a business owner."""


class InviteUnusable(LookupError):
    """The link is unknown, used or expired."""


@dataclass(frozen=True)
class NewBusiness:
    name: str
    category: str
    address: str
    owner_name: str
    owner_email: str


@dataclass(frozen=True)
class IssuedInvite:
    invite: Invite
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def slug_for(hub: Hub, name: str) -> str:
    """A URL name for a business, unique on its hub: "Joe's Café" -> "joes-cafe"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain.lower().replace("'", "")).strip("-")[:60]
    base = base or "business"
    taken = set(
        db.session.scalars(
            select(Business.slug).where(Business.hub_id == hub.id, Business.slug.like(f"{base}%"))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _issue(actor: User | None, user: User, purpose: str) -> IssuedInvite:
    """A new link for `user`; any earlier unused link of theirs stops working. No actor: made
    from the command line, by the council's IT officer."""
    now = utcnow()
    db.session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    invite = Invite(
        token_hash=_hash(token),
        user=user,
        purpose=purpose,
        created_by_id=actor.id if actor else None,
        expires_at=now + LIFETIME[purpose],
    )
    db.session.add(invite)
    db.session.flush()
    return IssuedInvite(invite, token)


def add_business(actor: User, hub: Hub, new: NewBusiness) -> tuple[Business, IssuedInvite | None]:
    """Add a business to the hub (waiting for approval) with its owner, and an invitation
    for the owner unless they already have a password (then the business is simply added
    to their account). Raises NotAllowed or EmailTaken. Commits."""
    if not may_manage_hub(actor, hub):
        raise NotAllowed(f"user {actor.id} does not run hub {hub.id}")
    email = new.owner_email.strip().lower()
    owner = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if owner is not None and owner.role != "owner":
        raise EmailTaken(email)
    business = Business(
        hub_id=hub.id,
        slug=slug_for(hub, new.name),
        name=new.name,
        category=new.category,
        address=new.address,
        # Until the owner places the shop on the map: somewhere on the high street.
        location=select(geo.inside(Hub.boundary)).where(Hub.id == hub.id).scalar_subquery(),
        opening_hours={},
        status="pending",
    )
    db.session.add(business)
    if owner is None:
        owner = User(email=email, name=new.owner_name, role="owner", password_hash=None)
        db.session.add(owner)
    owner.businesses.append(business)
    db.session.flush()
    issued = None if owner.password_hash else _issue(actor, owner, "invite")
    record(
        actor,
        "business_added",
        hub_id=hub.id,
        subject_kind="business",
        subject_id=business.id,
        subject_title=business.name,
    )
    db.session.commit()
    return business, issued


def new_link(actor: User, owner: User) -> IssuedInvite:
    """A fresh sign-in link for an owner of one of the actor's hubs' businesses: a new
    invitation if they never set a password, else a password reset. Raises NotAllowed.
    Commits."""
    hubs = {business.hub for business in owner.businesses}
    if owner.role != "owner" or not any(may_manage_hub(actor, hub) for hub in hubs):
        raise NotAllowed(f"user {actor.id} may not make links for user {owner.id}")
    purpose = "reset" if owner.password_hash else "invite"
    issued = _issue(actor, owner, purpose)
    for hub in hubs:
        record(
            actor,
            f"{purpose}_link",
            hub_id=hub.id,
            subject_kind="user",
            subject_id=owner.id,
            subject_title=owner.name,
        )
    db.session.commit()
    return issued


def invite_staff(user: User) -> IssuedInvite:
    """An invitation for a hub manager or council admin who has no password yet, made from
    the command line (so by no one signed in); any earlier link of theirs stops working.
    Raises NotAllowed for a business owner or an account with a password. Commits."""
    if user.role == "owner" or user.password_hash:
        raise NotAllowed(f"user {user.id} is not staff waiting for a first password")
    issued = _issue(None, user, "invite")
    db.session.commit()
    return issued


def usable_invite(token: str, now: datetime | None = None) -> Invite:
    """The unused, unexpired invite for this token; raises InviteUnusable."""
    invite: Invite | None = db.session.scalar(
        select(Invite).where(Invite.token_hash == _hash(token))
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= (now or utcnow()):
        raise InviteUnusable(token[:6])
    return invite


def accept(token: str, password: str) -> User:
    """Set the password the link was for and use the link up. Raises InviteUnusable.
    Commits; a link used twice at once is used only once (the row is locked)."""
    invite = usable_invite(token)
    locked = db.session.scalar(
        select(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).with_for_update()
    )
    if locked is None:
        raise InviteUnusable(token[:6])
    locked.used_at = utcnow()
    user: User = locked.user
    user.password_hash = hash_password(password)
    db.session.commit()
    return user


def owners_of(business: Business) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.businesses.contains(business)).order_by(User.name)
        )
    )
