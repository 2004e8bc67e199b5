"""Travel news: roadworks and diversions, and the businesses next to them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import SQLAlchemyError

from townhub.alerts.service import queue_roadwork_alerts
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.roadworks.models import Roadwork
from townhub.roadworks.streetmanager import (
    Entry,
    Envelope,
    NotRoadworks,
    PermitNotice,
    StreetManagerError,
)

log = logging.getLogger(__name__)

# Businesses this close to the works are "affected": the works are outside their door.
AFFECTED_WITHIN_M = 100
# How far ahead residents are told about planned works.
COMING_UP = timedelta(days=14)
# Works starting within this many days already matter to a shop next to them.
SOON = timedelta(days=7)


@dataclass(frozen=True)
class RoadworkNews:
    roadwork: Roadwork
    affected: list[Business]


@dataclass(frozen=True)
class TravelNews:
    in_force: list[RoadworkNews]
    coming: list[RoadworkNews]


def near(location: Any, now: datetime) -> ColumnElement[bool]:
    """For roadworks: in force now or starting SOON, within AFFECTED_WITHIN_M of `location`
    (a business's place, or its column in a correlated query)."""
    return and_(
        Roadwork.ends_at > now,
        Roadwork.starts_at <= now + SOON,
        geo.within_m(Roadwork.geometry, location, AFFECTED_WITHIN_M),
    )


def in_force(hub: Hub, now: datetime | None = None) -> list[Roadwork]:
    """Roadworks on the hub's streets right now."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Roadwork)
            .where(Roadwork.hub_id == hub.id, Roadwork.starts_at <= now, Roadwork.ends_at > now)
            .order_by(Roadwork.ends_at, Roadwork.id)
        )
    )


def travel_news(hub: Hub, now: datetime | None = None) -> TravelNews:
    """Roadworks in force now and those starting within two weeks, each with the approved
    businesses within AFFECTED_WITHIN_M of the works."""
    now = now or utcnow()
    roadworks = list(
        db.session.scalars(
            select(Roadwork)
            .where(
                Roadwork.hub_id == hub.id,
                Roadwork.ends_at > now,
                Roadwork.starts_at <= now + COMING_UP,
            )
            .order_by(Roadwork.starts_at, Roadwork.id)
        )
    )
    affected: dict[int, list[Business]] = {roadwork.id: [] for roadwork in roadworks}
    if roadworks:
        rows = db.session.execute(
            select(Roadwork.id, Business)
            .join(Business, geo.within_m(Business.location, Roadwork.geometry, AFFECTED_WITHIN_M))
            .where(
                Roadwork.id.in_(affected),
                Business.hub_id == hub.id,
                Business.status == "approved",
            )
            .order_by(Business.name)
        )
        for roadwork_id, business in rows:
            affected[roadwork_id].append(business)
    news = [RoadworkNews(roadwork, affected[roadwork.id]) for roadwork in roadworks]
    return TravelNews(
        in_force=[n for n in news if n.roadwork.starts_at <= now],
        coming=[n for n in news if n.roadwork.starts_at > now],
    )


# Street Manager ---------------------------------------------------------------------------

STREET_MANAGER = "street_manager"
# Works this close to a hub's boundary are news for its high street.
HUB_BUFFER_M = 200
# A permit at a point becomes a small round area: works take up a patch of street, not a dot,
# and a roadwork is stored as a line or an area.
POINT_RADIUS_M = 10
# Slack on the quick British National Grid box test, before PostGIS decides in metres.
BOX_SLACK_M = 100
# The shortest works record: for a permit withdrawn before its works began.
INSTANT = timedelta(minutes=1)
EARLIEST = datetime.min.replace(tzinfo=UTC)


class ReferenceTaken(Exception):
    """Works entered by the high street team already use this Street Manager reference."""


@dataclass(frozen=True)
class ImportProblem:
    """A message or row that was left out, and why."""

    line: int | None
    reference: str | None
    reason: str
    unit: str = "line"  # or "item", in a list of messages


@dataclass
class ImportSummary:
    """What an import did. Works are (reference, hub slug): one permit near two hubs is news
    for both."""

    created: list[tuple[str, str]] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    ignored: list[ImportProblem] = field(default_factory=list)
    rejected: list[ImportProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def works(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
            return [{"reference": reference, "hub": hub} for reference, hub in pairs]

        def problems(items: list[ImportProblem]) -> list[dict[str, Any]]:
            return [{p.unit: p.line, "reference": p.reference, "reason": p.reason} for p in items]

        return {
            "created": works(self.created),
            "updated": works(self.updated),
            "closed": works(self.closed),
            "unchanged": works(self.unchanged),
            "outside": self.outside,
            "ignored": problems(self.ignored),
            "rejected": problems(self.rejected),
            "detail": " ".join(self.describe()),
        }

    def describe(self) -> list[str]:
        """The summary in sentences, then one line for each row left out."""
        lines = [
            _(
                "Created %(created)d, updated %(updated)d, closed %(closed)d, unchanged"
                " %(unchanged)d.",
                created=len(self.created),
                updated=len(self.updated),
                closed=len(self.closed),
                unchanged=len(self.unchanged),
            )
        ]
        if self.outside:
            lines.append(
                ngettext(
                    "%(num)d permit is outside every hub: not stored.",
                    "%(num)d permits are outside every hub: not stored.",
                    len(self.outside),
                )
            )
        if self.ignored:
            lines.append(
                ngettext(
                    "%(num)d message is not about works on a street: ignored.",
                    "%(num)d messages are not about works on a street: ignored.",
                    len(self.ignored),
                )
            )
        if self.rejected:
            lines.append(
                ngettext(
                    "%(num)d permit could not be used:",
                    "%(num)d permits could not be used:",
                    len(self.rejected),
                )
            )
        for problem in self.rejected:
            if problem.line is None:
                where = _("message")
            elif problem.unit == "item":
                where = _("item %(num)d", num=problem.line)
            else:
                where = _("line %(num)d", num=problem.line)
            about = f" ({problem.reference})" if problem.reference else ""
            lines.append(f"  {where}{about}: {problem.reason}")
        return lines


def import_permits(entries: Iterable[Entry], now: datetime | None = None) -> ImportSummary:
    """Store Street Manager permits near a hub as its roadworks, in one transaction: new
    permits are created (and alerts queued), known ones updated or closed, works outside
    every hub left out. A row that cannot be used is reported, and the rest still stored.
    Commits."""
    now = now or utcnow()
    summary = ImportSummary()
    boxes = _hub_boxes()
    known = set(
        db.session.scalars(select(Roadwork.reference).where(Roadwork.source == STREET_MANAGER))
    )
    candidates: list[tuple[int, Entry, PermitNotice]] = []
    for order, entry in enumerate(entries):
        result = entry.result
        if isinstance(result, StreetManagerError):
            problem = ImportProblem(entry.line, result.reference, result.reason, entry.unit)
            (summary.ignored if isinstance(result, NotRoadworks) else summary.rejected).append(
                problem
            )
        elif result.reference in known or _in_a_box(result.bounds, boxes):
            candidates.append((order, entry, result))
            # Later events may move it away: they must still reach the works to close them.
            known.add(result.reference)
        else:
            summary.outside.append(result.reference)
    # Events can come out of order (a month's CSV, SNS retries): apply them as they happened.
    candidates.sort(key=lambda item: (item[2].event_time or EARLIEST, item[0]))
    for _order, entry, notice in candidates:
        try:
            with db.session.begin_nested():
                outcomes = _apply(notice, now)
        except ReferenceTaken as taken:
            reason = _(
                "Works entered by the high street team in %(hub)s already use this reference.",
                hub=str(taken),
            )
            summary.rejected.append(ImportProblem(entry.line, notice.reference, reason, entry.unit))
        except SQLAlchemyError:
            log.exception("Street Manager permit %s could not be stored", notice.reference)
            reason = _("The permit could not be stored; the error is in the server's log.")
            summary.rejected.append(ImportProblem(entry.line, notice.reference, reason, entry.unit))
        else:
            if not outcomes:
                summary.outside.append(notice.reference)
            for outcome, hub_slug in outcomes:
                getattr(summary, outcome).append((notice.reference, hub_slug))
    db.session.commit()
    return summary


def _hub_boxes() -> list[tuple[float, float, float, float]]:
    """Each hub's bounding box in British National Grid metres, widened by the buffer: a
    permit in Manchester is turned away without asking PostGIS."""
    pad = HUB_BUFFER_M + BOX_SLACK_M
    min_x, min_y, max_x, max_y = geo.grid_bounds(Hub.boundary, geo.BNG_SRID)
    rows = db.session.execute(select(min_x, min_y, max_x, max_y))
    return [(x0 - pad, y0 - pad, x1 + pad, y1 + pad) for x0, y0, x1, y1 in rows]


def _in_a_box(
    bounds: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]
) -> bool:
    x0, y0, x1, y1 = bounds
    return any(x0 <= bx1 and x1 >= bx0 and y0 <= by1 and y1 >= by0 for bx0, by0, bx1, by1 in boxes)


def _apply(notice: PermitNotice, now: datetime) -> list[tuple[str, str]]:
    """One permit: create, update or close its works in each hub it is near. What happened
    in each hub: ("created", slug) and so on; none when it is outside every hub."""
    location = geo.from_bng_wkt(notice.wkt)
    if notice.kind == "point":
        location = geo.area_around(location, POINT_RADIUS_M)
    geometry = db.session.scalar(select(location))
    hubs = list(
        db.session.scalars(
            select(Hub).where(geo.within_m(Hub.boundary, geometry, HUB_BUFFER_M)).order_by(Hub.id)
        )
    )
    existing = {
        roadwork.hub_id: roadwork
        for roadwork in db.session.scalars(
            select(Roadwork).where(Roadwork.reference == notice.reference)
        )
    }
    outcomes = []
    near = {hub.id for hub in hubs}
    for hub_id, roadwork in existing.items():
        # The permit was altered to somewhere else: no longer this high street's news.
        if hub_id not in near and roadwork.source == STREET_MANAGER and roadwork.ends_at > now:
            _close(roadwork, now)
            outcomes.append(("closed", roadwork.hub.slug))
    for hub in hubs:
        known = existing.get(hub.id)
        if known is None:
            _create(notice, hub, geometry, now)
            outcomes.append(("created", hub.slug))
        elif known.source != STREET_MANAGER:
            raise ReferenceTaken(hub.name)
        else:
            outcomes.append((_update(known, notice, geometry, now), hub.slug))
    return outcomes


def _dates(
    notice: PermitNotice, now: datetime, closed_at: datetime | None = None
) -> tuple[datetime, datetime]:
    """When the works start and end. Works that stopped, or whose permit was withdrawn, end
    then (or now, if the message does not say), so they leave the travel page."""
    if not notice.stopped:
        return notice.starts_at, notice.ends_at
    ends_at = min(notice.ended_at or closed_at or now, now)
    return min(notice.starts_at, ends_at - INSTANT), ends_at


def _create(notice: PermitNotice, hub: Hub, geometry: Any, now: datetime) -> Roadwork:
    starts_at, ends_at = _dates(notice, now)
    roadwork = Roadwork(
        hub_id=hub.id,
        reference=notice.reference,
        street=notice.street,
        description=notice.description,
        traffic_management=notice.traffic_management,
        starts_at=starts_at,
        ends_at=ends_at,
        geometry=geometry,
        diversion=None,
        diversion_text="",
        source=STREET_MANAGER,
    )
    db.session.add(roadwork)
    db.session.flush()
    if ends_at > now:
        queue_roadwork_alerts(roadwork)
    return roadwork


def _update(roadwork: Roadwork, notice: PermitNotice, geometry: Any, now: datetime) -> str:
    """Bring known works up to date; which list of the summary it belongs in."""
    was_open = roadwork.ends_at > now
    # A message older than the close (SNS retries, a month's file imported again) must not
    # reopen the works; a revert, or news from after the close, may.
    stale = notice.event_time is None or notice.event_time < roadwork.ends_at
    if not was_open and not notice.stopped and not notice.reverts and stale:
        return "unchanged"
    # Closed already and the message does not say when: keep the first close.
    starts_at, ends_at = _dates(notice, now, closed_at=None if was_open else roadwork.ends_at)
    values = {
        "street": notice.street,
        "description": notice.description,
        "traffic_management": notice.traffic_management,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    changed = [name for name, value in values.items() if getattr(roadwork, name) != value]
    if not geo.same_shape(roadwork.geometry, geometry):
        changed.append("geometry")
        roadwork.geometry = geometry
    for name in changed:
        if name != "geometry":
            setattr(roadwork, name, values[name])
    if not changed:
        return "unchanged"
    return "closed" if was_open and roadwork.ends_at <= now else "updated"


def _close(roadwork: Roadwork, now: datetime) -> None:
    roadwork.ends_at = now
    roadwork.starts_at = min(roadwork.starts_at, now - INSTANT)


# Amazon SNS's own addresses: https://sns.<region>.amazonaws.com/...
SNS_HOST = re.compile(r"https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def note_subscription(envelope: Envelope) -> dict[str, str]:
    """Log an SNS subscription message for the operator. Confirming means opening its
    SubscribeURL, which this server leaves to a person: it makes no outgoing requests."""
    if envelope.kind == "SubscriptionConfirmation":
        genuine = bool(SNS_HOST.match(envelope.subscribe_url))
        log.warning(
            "Street Manager subscription to %r waits for confirmation: open %r within 3 days%s",
            envelope.topic_arn,
            envelope.subscribe_url,
            "" if genuine else " (it is NOT an Amazon SNS address: do not open it)",
        )
        detail = _(
            "Subscription noted. An operator confirms it by opening the SubscribeURL from"
            " the server's log."
        )
    else:
        log.warning("Street Manager subscription to %r has ended", envelope.topic_arn)
        detail = _("The end of the subscription is noted.")
    return {"type": envelope.kind, "detail": detail}
