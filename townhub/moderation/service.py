"""Moderation: the queue of what waits for a hub manager, hiding with a reason, residents'
reports, and the audit log of every action, readable by the council."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from townhub.accounts.models import User
from townhub.accounts.service import may_manage_hub
from townhub.alerts.service import queue_event_alerts, queue_offer_alerts
from townhub.businesses.models import Business
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.moderation.models import AuditEntry, Report
from townhub.offers.models import Offer

AUDIT_PAGE = 100


def record(
    actor: User,
    action: str,
    *,
    hub_id: int | None,
    subject_kind: str,
    subject_id: int | None,
    subject_title: str,
    reason: str = "",
) -> None:
    """Add an entry to the audit log, in the caller's transaction."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id,
            actor_name=actor.name,
            hub_id=hub_id,
            action=action,
            subject_kind=subject_kind,
            subject_id=subject_id,
            subject_title=subject_title[:200],
            reason=reason,
        )
    )


def audit_log(*, hub_id: int | None = None, before_id: int | None = None) -> list[AuditEntry]:
    """The newest entries first, a page at a time (entries older than `before_id`)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE)
    if hub_id is not None:
        query = query.where(AuditEntry.hub_id == hub_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))


# --- The moderation queue ---------------------------------------------------------------

Item = Business | Offer | Event
MODELS: dict[str, type[Business] | type[Offer] | type[Event]] = {
    "business": Business,
    "offer": Offer,
    "event": Event,
}


class ItemNotFound(LookupError):
    """No business, offer or event of this hub has that id."""


class NotAllowed(PermissionError):
    """This user does not run the item's hub."""


class BusinessNotApproved(ValueError):
    """An offer or event cannot go live before its business is approved."""


@dataclass(frozen=True)
class OpenReport:
    report: Report
    item: Item | None


@dataclass(frozen=True)
class Queue:
    businesses: list[Business]
    offers: list[Offer]
    events: list[Event]
    reports: list[OpenReport]

    @property
    def size(self) -> int:
        return len(self.businesses) + len(self.offers) + len(self.events) + len(self.reports)


def title_of(item: Item) -> str:
    return item.name if isinstance(item, Business) else item.title


def queue(hub: Hub) -> Queue:
    """What waits for the hub's managers: new businesses, first offers and events of
    businesses not yet trusted, and residents' reports."""
    businesses = db.session.scalars(
        select(Business)
        .where(Business.hub_id == hub.id, Business.status == "pending")
        .order_by(Business.created_at)
    )
    offers = db.session.scalars(
        select(Offer)
        .options(joinedload(Offer.business))
        .where(Offer.hub_id == hub.id, Offer.status == "pending")
        .order_by(Offer.created_at)
    )
    events = db.session.scalars(
        select(Event)
        .options(joinedload(Event.business))
        .where(Event.hub_id == hub.id, Event.status == "pending")
        .order_by(Event.created_at)
    )
    reports = db.session.scalars(
        select(Report)
        .where(Report.hub_id == hub.id, Report.status == "open")
        .order_by(Report.created_at)
    )
    return Queue(
        list(businesses),
        list(offers),
        list(events),
        [OpenReport(report, _find(report.subject_kind, report.subject_id)) for report in reports],
    )


def waiting(hub_ids: list[int]) -> dict[int, int]:
    """How many items wait in each hub's queue, for the dashboard."""
    counts: dict[int, int] = dict.fromkeys(hub_ids, 0)
    if not hub_ids:
        return counts
    for model, status in (
        (Business, "pending"),
        (Offer, "pending"),
        (Event, "pending"),
        (Report, "open"),
    ):
        rows = db.session.execute(
            select(model.hub_id, func.count())
            .where(model.hub_id.in_(hub_ids), model.status == status)
            .group_by(model.hub_id)
        )
        for hub_id, n in rows:
            counts[hub_id] += n
    return counts


def _find(kind: str, item_id: int) -> Item | None:
    model = MODELS.get(kind)
    return cast(Item | None, db.session.get(model, item_id)) if model else None


def item_for(actor: User, hub: Hub, kind: str, item_id: int) -> Item:
    """The hub's business, offer or event, for one of its managers. Raises ItemNotFound or
    NotAllowed."""
    item = _find(kind, item_id)
    if item is None or item.hub_id != hub.id:
        raise ItemNotFound((kind, item_id))
    if not may_manage_hub(actor, hub):
        raise NotAllowed(f"user {actor.id} does not run hub {hub.id}")
    return item


def _business_of(item: Item) -> Business | None:
    return item if isinstance(item, Business) else item.business


def _record(actor: User, action: str, item: Item, reason: str = "") -> None:
    record(
        actor,
        action,
        hub_id=item.hub_id,
        subject_kind=type(item).__name__.lower(),
        subject_id=item.id,
        subject_title=title_of(item),
        reason=reason,
    )


def approve(actor: User, item: Item, *, trust: bool = False) -> None:
    """Let a pending item go live (alerts queued for offers and events), and optionally
    trust its business so its next offers and events go live at once. Raises
    BusinessNotApproved for an offer or event of a business still waiting. Commits."""
    business = _business_of(item)
    if isinstance(item, Business):
        item.status = "approved"
        item.hidden_reason = ""
    else:
        if business is not None and business.status != "approved":
            raise BusinessNotApproved(business.id)
        item.status = "published"
        item.hidden_reason = ""
        if isinstance(item, Offer):
            item.published_at = utcnow()
            db.session.flush()
            queue_offer_alerts(item)
        else:
            db.session.flush()
            queue_event_alerts(item)
    _record(actor, "approved", item)
    if trust and business is not None and not business.trusted:
        business.trusted = True
        _record(actor, "trusted", business)
    db.session.commit()


def hide(actor: User, item: Item, reason: str) -> None:
    """Hide an item from residents, with the reason its business sees; open reports about
    it are closed. Queued alerts for it are not sent. Commits."""
    item.status = "hidden"
    item.hidden_reason = reason
    db.session.execute(
        update(Report)
        .where(
            Report.subject_kind == type(item).__name__.lower(),
            Report.subject_id == item.id,
            Report.status == "open",
        )
        .values(status="hidden", resolved_at=utcnow(), resolved_by_id=actor.id)
    )
    _record(actor, "hidden", item, reason)
    db.session.commit()


def show_again(actor: User, item: Item) -> None:
    """Undo hiding: the item shows again (no new alerts are sent). Commits."""
    item.status = "approved" if isinstance(item, Business) else "published"
    item.hidden_reason = ""
    _record(actor, "shown_again", item)
    db.session.commit()


def dismiss(actor: User, hub: Hub, report_id: int) -> Report:
    """Close a report without acting on the item. Raises ItemNotFound. Commits."""
    report = db.session.get(Report, report_id)
    if report is None or report.hub_id != hub.id or report.status != "open":
        raise ItemNotFound(("report", report_id))
    report.status = "dismissed"
    report.resolved_at = utcnow()
    report.resolved_by_id = actor.id
    item = _find(report.subject_kind, report.subject_id)
    record(
        actor,
        "report_dismissed",
        hub_id=hub.id,
        subject_kind=report.subject_kind,
        subject_id=report.subject_id,
        subject_title=title_of(item) if item else "",
        reason=REPORT_REASON_WORDS.get(report.reason, report.reason),
    )
    db.session.commit()
    return report


# --- Residents' reports -----------------------------------------------------------------

REPORT_REASON_WORDS = {
    "wrong": "wrong or out of date",
    "offensive": "offensive",
    "scam": "a scam or misleading",
    "other": "something else",
}


def reportable(hub: Hub, kind: str, item_id: int) -> Item:
    """An item residents can see, so can report. Raises ItemNotFound."""
    item = _find(kind, item_id)
    live = {"business": "approved", "offer": "published", "event": "published"}
    if item is None or item.hub_id != hub.id or item.status != live[kind]:
        raise ItemNotFound((kind, item_id))
    return item


def report(hub: Hub, item: Item, reason: str, details: str) -> Report:
    """Keep a resident's report for the hub's managers. Nothing about the resident is
    kept. Commits."""
    new = Report(
        hub_id=hub.id,
        subject_kind=type(item).__name__.lower(),
        subject_id=item.id,
        reason=reason,
        details=details,
    )
    db.session.add(new)
    db.session.commit()
    return new
