"""The onboarding tracker: every business on a hub's street, how far each is from being
active on Townhub, what happened on each visit and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import joinedload

from townhub.accounts.models import Invite, User, business_owners, hub_managers
from townhub.businesses.models import Business
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.tracker.models import SHOWN_STATUSES, STORED_STATUSES, TrackedBusiness, VisitNote


class EntryNotFound(LookupError):
    """The hub's tracker has no entry with that number."""


class WrongHub(ValueError):
    """The business belongs to another hub than the tracker entry."""


class NotOnTheTeam(ValueError):
    """The person chosen to handle a business does not run its hub."""


@dataclass(frozen=True)
class TrackerRow:
    """One business as the tracker lists it, with its status worked out."""

    id: int
    name: str
    address: str
    category: str
    status: str
    on_townhub: bool
    last_visit_on: date | None
    next_step: str
    next_step_on: date | None


@dataclass(frozen=True)
class Progress:
    """How far the hub is from its target of active businesses, and counts by status."""

    active: int
    target: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def to_go(self) -> int:
        return max(0, self.target - self.active)


@dataclass(frozen=True)
class TrackerPage:
    progress: Progress
    rows: list[TrackerRow]
    today: date


@dataclass(frozen=True)
class EntryDetails:
    """Form values for adding or changing a tracked business."""

    name: str
    address: str
    category: str
    status: str
    next_step: str
    next_step_on: date | None
    handled_by_id: int | None


def _owners_where(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """True when the tracked business's linked business has an owner meeting conditions."""
    return (
        exists()
        .where(
            business_owners.c.business_id == TrackedBusiness.business_id,
            User.id == business_owners.c.user_id,
            *conditions,
        )
        .correlate(TrackedBusiness)
    )


def _shown_status() -> ColumnElement[str]:
    """The status to show: "active" once the business is approved and an owner has set a
    password, "invited" while an owner has an open invite or no password yet, otherwise
    what the team recorded."""
    open_invite = (
        exists()
        .where(
            Invite.user_id == User.id,
            Invite.purpose == "invite",
            Invite.used_at.is_(None),
            Invite.expires_at > func.now(),
        )
        .correlate(User)
    )
    return case(
        (
            and_(Business.status == "approved", _owners_where(User.password_hash.is_not(None))),
            literal("active"),
        ),
        (_owners_where(or_(User.password_hash.is_(None), open_invite)), literal("invited")),
        else_=TrackedBusiness.status,
    )


def _rows(hub: Hub) -> Select[tuple[int, str, str, str, str, bool, date | None, str, date | None]]:
    """Every tracked business of the hub as a row, in one query."""
    last_visits = (
        select(
            VisitNote.tracked_business_id.label("tracked_business_id"),
            func.max(VisitNote.visited_on).label("last_visit_on"),
        )
        .group_by(VisitNote.tracked_business_id)
        .subquery()
    )
    return (
        select(
            TrackedBusiness.id,
            TrackedBusiness.name,
            TrackedBusiness.address,
            TrackedBusiness.category,
            _shown_status().label("status"),
            TrackedBusiness.business_id.is_not(None).label("on_townhub"),
            last_visits.c.last_visit_on,
            TrackedBusiness.next_step,
            TrackedBusiness.next_step_on,
        )
        .outerjoin(Business, Business.id == TrackedBusiness.business_id)
        .outerjoin(last_visits, last_visits.c.tracked_business_id == TrackedBusiness.id)
        .where(TrackedBusiness.hub_id == hub.id)
    )


def sync_hub(hub: Hub) -> int:
    """Track every business of the hub already on Townhub that has no entry yet; returns
    how many were added. Safe to run at any time, also twice at once. Commits."""
    untracked = select(
        Business.hub_id,
        Business.id,
        Business.name,
        Business.address,
        Business.category,
        literal("not_contacted"),
        literal(""),
    ).where(
        Business.hub_id == hub.id,
        ~exists().where(TrackedBusiness.business_id == Business.id),
    )
    added = db.session.scalars(
        insert(TrackedBusiness)
        .from_select(
            ["hub_id", "business_id", "name", "address", "category", "status", "next_step"],
            untracked,
        )
        .on_conflict_do_nothing(index_elements=["business_id"])
        .returning(TrackedBusiness.id)
    ).all()
    db.session.commit()
    return len(added)


def tracker(
    hub: Hub, *, target: int, status: str | None = None, today: date | None = None
) -> TrackerPage:
    """The hub's progress towards `target` active businesses and its tracked businesses,
    whom to visit next first: next steps due by today (oldest first), then businesses not
    contacted, then next steps to come, then the rest. `status` keeps only those shown
    with that status. Tracks the hub's businesses not tracked yet first (commits)."""
    sync_hub(hub)
    today = today or london_today()
    rows = _rows(hub).subquery()
    counts = {name: 0 for name in SHOWN_STATUSES}
    counts.update(
        (shown, int(count))
        for shown, count in db.session.execute(
            select(rows.c.status, func.count()).group_by(rows.c.status)
        )
    )
    due = and_(rows.c.next_step_on.is_not(None), rows.c.next_step_on <= today)
    order = (
        case(
            (due, 0),
            (rows.c.status == "not_contacted", 1),
            (rows.c.next_step_on.is_not(None), 2),
            else_=3,
        ),
        rows.c.next_step_on.nulls_last(),
        # The rest by how far each is from being active on the hub.
        case(
            {name: position for position, name in enumerate(SHOWN_STATUSES)},
            value=rows.c.status,
        ),
        func.lower(rows.c.name),
        rows.c.id,
    )
    query = select(rows).order_by(*order)
    if status is not None:
        query = query.where(rows.c.status == status)
    listed = [TrackerRow(**row._asdict()) for row in db.session.execute(query)]
    return TrackerPage(
        progress=Progress(active=counts["active"], target=max(1, target), counts=counts),
        rows=listed,
        today=today,
    )


def entry_for(hub: Hub, entry_id: int) -> TrackedBusiness:
    """The hub's tracked business with this number; raises EntryNotFound."""
    entry = db.session.get(TrackedBusiness, entry_id)
    if entry is None or entry.hub_id != hub.id:
        raise EntryNotFound(entry_id)
    return entry


def row_for(entry: TrackedBusiness) -> TrackerRow:
    """The entry as the tracker lists it, with its status worked out."""
    row = db.session.execute(_rows(entry.hub).where(TrackedBusiness.id == entry.id)).one()
    return TrackerRow(**row._asdict())


def visit_notes(entry: TrackedBusiness) -> list[VisitNote]:
    """The entry's visit notes, newest visit first."""
    return list(
        db.session.scalars(
            select(VisitNote)
            .options(joinedload(VisitNote.author))
            .where(VisitNote.tracked_business_id == entry.id)
            .order_by(VisitNote.visited_on.desc(), VisitNote.id.desc())
        )
    )


def team_for(hub: Hub) -> list[User]:
    """Who may handle a business on the hub: its managers and the council's admins."""
    manages = exists().where(hub_managers.c.user_id == User.id, hub_managers.c.hub_id == hub.id)
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.role == "council_admin", and_(User.role == "hub_manager", manages)))
            .order_by(func.lower(User.name), User.id)
        )
    )


def _check(hub: Hub, details: EntryDetails) -> None:
    if details.status not in STORED_STATUSES:
        raise ValueError(f"unknown status {details.status!r}")
    if details.handled_by_id is not None and details.handled_by_id not in {
        user.id for user in team_for(hub)
    }:
        raise NotOnTheTeam(details.handled_by_id)


def add_entry(hub: Hub, details: EntryDetails) -> TrackedBusiness:
    """Track a business that is not on Townhub yet; raises NotOnTheTeam. Commits."""
    _check(hub, details)
    entry = TrackedBusiness(hub_id=hub.id, **vars(details))
    db.session.add(entry)
    db.session.commit()
    return entry


def update_entry(entry: TrackedBusiness, details: EntryDetails) -> TrackedBusiness:
    """Change what the team recorded about a business; raises NotOnTheTeam. Commits."""
    _check(entry.hub, details)
    for name, value in vars(details).items():
        setattr(entry, name, value)
    db.session.commit()
    return entry


def add_visit_note(
    entry: TrackedBusiness,
    author: User,
    *,
    visited_on: date,
    note: str,
    next_step: str | None = None,
    next_step_on: date | None = None,
    status: str | None = None,
) -> VisitNote:
    """Record a visit. A next step (text and date, either may be empty) replaces the
    current one unless `next_step` is None; `status` (not_contacted, visited or declined)
    replaces the recorded status unless None. Commits."""
    if status is not None and status not in STORED_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    visit = VisitNote(
        tracked_business_id=entry.id, visited_on=visited_on, note=note, author_id=author.id
    )
    db.session.add(visit)
    if next_step is not None:
        entry.next_step = next_step
        entry.next_step_on = next_step_on
    if status is not None:
        entry.status = status
    db.session.commit()
    return visit


def link_business(
    entry: TrackedBusiness, business: Business, *, commit: bool = True
) -> TrackedBusiness:
    """Record that the tracked business is now on Townhub as `business` (for the invite
    flow, once it has added the business). If the tracker had already picked the business
    up as an entry of its own, that entry's visit notes move here and it is removed.
    Raises WrongHub. Commits unless `commit` is False (the caller's transaction then
    commits the business and the link together)."""
    if business.hub_id != entry.hub_id:
        raise WrongHub(business.id)
    duplicate = db.session.scalar(
        select(TrackedBusiness).where(
            TrackedBusiness.business_id == business.id, TrackedBusiness.id != entry.id
        )
    )
    if duplicate is not None:
        db.session.execute(
            update(VisitNote)
            .where(VisitNote.tracked_business_id == duplicate.id)
            .values(tracked_business_id=entry.id)
        )
        db.session.delete(duplicate)
        db.session.flush()
    entry.business_id = business.id
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return entry
