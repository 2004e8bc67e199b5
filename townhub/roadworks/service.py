"""Travel news: roadworks and diversions, and the businesses next to them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from townhub.accounts.models import User
from townhub.alerts.service import move_roadwork_reminder, queue_roadwork_alerts
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.days import at_london, london_today
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.moderation.service import record
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


# Posted by the high street team ------------------------------------------------------------

# Works the high street team enters by hand (Street Manager's come in as STREET_MANAGER).
BY_HAND = "hub"
# Every point of the works must be this close to the hub's boundary, and of a diversion
# this close: a diversion may take traffic round by the main roads outside the high street.
WORKS_NEAR_HUB_M = 500
DIVERSION_NEAR_HUB_M = 2000
# A reference made for works posted without one: HUB-2026-0001, counted per hub and year.
REFERENCE_PREFIX = "HUB"
REFERENCE_ATTEMPTS = 3
# How traffic is managed, as stored: English words, like Street Manager's.
TRAFFIC_MANAGEMENT = {
    "road_closed": "Road closure",
    "lane_closure": "Lane closure",
    "traffic_lights": "Temporary traffic lights",
    "stop_go": "Stop/go boards",
    "pavement_closed": "Pavement closed",
    "none": "No traffic management",
}


@dataclass(frozen=True)
class TypedPoint:
    """A point typed (or tapped) into the form: its line in the box, longitude, latitude."""

    line: int
    lon: float
    lat: float

    def typed(self) -> str:
        """As the form asks for it: latitude, longitude."""
        return f"{self.lat:g}, {self.lon:g}"


@dataclass(frozen=True)
class RoadworkDetails:
    """What the high street team says about works, checked for form and size by the form.
    An empty `reference` means: make one. `area` closes the works' points into a shape."""

    street: str
    description: str
    reference: str
    first_day: date
    last_day: date
    traffic_management: str
    works: tuple[TypedPoint, ...]
    area: bool
    diversion: tuple[TypedPoint, ...]
    diversion_text: str


class RoadworkNotFound(LookupError):
    """No roadworks with this id on this hub."""


class NotEditable(Exception):
    """These works come from Street Manager: they are changed there, not by hand."""


class RoadworkRejected(ValueError):
    """The works cannot be stored as they are; `problems` maps each form field to why."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems.items()))
        self.problems = problems


def upcoming_roadworks(hub: Hub, now: datetime | None = None) -> list[Roadwork]:
    """The hub's works in force now or still to come, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Roadwork)
            .where(Roadwork.hub_id == hub.id, Roadwork.ends_at > now)
            .order_by(Roadwork.starts_at, Roadwork.id)
        )
    )


def editable_roadwork(hub: Hub, roadwork_id: int) -> Roadwork:
    """Works of this hub that its team may change; raises RoadworkNotFound (none here) or
    NotEditable (they come from Street Manager)."""
    roadwork = db.session.get(Roadwork, roadwork_id)
    if roadwork is None or roadwork.hub_id != hub.id:
        raise RoadworkNotFound(roadwork_id)
    if roadwork.source == STREET_MANAGER or geo.shape_type(roadwork.geometry) not in {
        "LineString",
        "Polygon",
    }:
        raise NotEditable(roadwork_id)
    return roadwork


def drawn_points(
    roadwork: Roadwork,
) -> tuple[list[tuple[float, float]], bool, list[tuple[float, float]]]:
    """The works' points as (lon, lat), whether they close into an area (the closing point
    left off), and the diversion's points."""
    area = geo.shape_type(roadwork.geometry) == "Polygon"
    works = geo.coordinates(roadwork.geometry)
    if area:
        works = works[:-1]
    diversion = geo.coordinates(roadwork.diversion) if roadwork.diversion is not None else []
    return works, area, diversion


def preview_roadwork(
    hub: Hub, details: RoadworkDetails, roadwork: Roadwork | None = None
) -> Roadwork:
    """The works as residents would see them, checked but not stored (a new Roadwork kept
    out of the session). Raises RoadworkRejected."""
    _check(hub, details, roadwork)
    draft = Roadwork(
        hub_id=hub.id,
        reference=details.reference or (roadwork.reference if roadwork else ""),
        source=roadwork.source if roadwork else BY_HAND,
    )
    if roadwork is not None:
        draft.id = roadwork.id
    starts_at, ends_at = _times(details, roadwork)
    _fill(draft, details, starts_at, ends_at)
    return draft


def post_roadwork(author: User, hub: Hub, details: RoadworkDetails) -> Roadwork:
    """Store new works by the high street team and queue their alerts, in one transaction;
    a reference is made when none is given. The caller checks the author may manage the
    hub. Raises RoadworkRejected. Commits."""
    _check(hub, details, None)
    starts_at, ends_at = _times(details, None)
    for _attempt in range(REFERENCE_ATTEMPTS):
        roadwork = Roadwork(
            hub_id=hub.id,
            reference=details.reference or _next_reference(hub),
            source=BY_HAND,
        )
        _fill(roadwork, details, starts_at, ends_at)
        try:
            with db.session.begin_nested():
                db.session.add(roadwork)
        except IntegrityError as error:
            # Someone else took the reference between the check and now.
            if not _is_reference_clash(error):
                raise
            if details.reference:
                raise RoadworkRejected(_reference_in_use(details.reference)) from None
            continue
        break
    else:
        raise RoadworkRejected({"reference": _("A reference could not be made. Type one.")})
    queue_roadwork_alerts(roadwork)
    _record(author, "roadwork_posted", roadwork)
    db.session.commit()
    return roadwork


def _record(author: User, action: str, roadwork: Roadwork) -> None:
    record(
        author,
        action,
        hub_id=roadwork.hub_id,
        subject_kind="roadwork",
        subject_id=roadwork.id,
        subject_title=f"{roadwork.reference}: {roadwork.street}",
    )


def change_roadwork(author: User, roadwork: Roadwork, details: RoadworkDetails) -> Roadwork:
    """Store changes to works posted by hand. Sends no alert again: residents heard about
    the works when they were posted; a moved first day moves the queued "start tomorrow"
    reminder with it. A day left as it was keeps its exact time (works ended early stay
    ended). An empty reference keeps the one the works have. Raises RoadworkRejected.
    Commits."""
    _check(roadwork.hub, details, roadwork)
    starts_at, ends_at = _times(details, roadwork)
    moved = starts_at != roadwork.starts_at
    if details.reference:
        roadwork.reference = details.reference
    _fill(roadwork, details, starts_at, ends_at)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if not _is_reference_clash(error):
            raise
        raise RoadworkRejected(_reference_in_use(details.reference)) from None
    if moved:
        move_roadwork_reminder(roadwork)
    _record(author, "roadwork_changed", roadwork)
    db.session.commit()
    return roadwork


def end_roadwork(author: User, roadwork: Roadwork, now: datetime | None = None) -> Roadwork:
    """End works early, now: they leave the travel page at once and no alert or reminder
    goes out for them. Works already ended are left as they are. Commits."""
    now = now or utcnow()
    if roadwork.ends_at > now:
        _close(roadwork, now)
        _record(author, "roadwork_ended", roadwork)
        db.session.commit()
    return roadwork


def last_day_of(roadwork: Roadwork) -> date:
    """The last London day the works run on (an end at midnight means the day before)."""
    return (roadwork.ends_at - timedelta(microseconds=1)).astimezone(LONDON).date()


def first_day_of(roadwork: Roadwork) -> date:
    return roadwork.starts_at.astimezone(LONDON).date()


def _times(details: RoadworkDetails, roadwork: Roadwork | None) -> tuple[datetime, datetime]:
    """From the start of the first London day to the end of the last; a day not changed
    keeps the works' own time."""
    starts_at = at_london(details.first_day)
    ends_at = at_london(details.last_day + timedelta(days=1))
    if roadwork is not None:
        if details.first_day == first_day_of(roadwork):
            starts_at = roadwork.starts_at
        if details.last_day == last_day_of(roadwork) and roadwork.ends_at > starts_at:
            ends_at = roadwork.ends_at
    return starts_at, ends_at


def _fill(
    roadwork: Roadwork, details: RoadworkDetails, starts_at: datetime, ends_at: datetime
) -> None:
    works = [(point.lon, point.lat) for point in details.works]
    # Well-known text going in; the database hands back binary (the column's type).
    geometry: Any = geo.polygon(works) if details.area else geo.line(works)
    diversion: Any = (
        geo.line([(point.lon, point.lat) for point in details.diversion])
        if details.diversion
        else None
    )
    roadwork.street = details.street
    roadwork.description = details.description
    roadwork.traffic_management = details.traffic_management
    roadwork.starts_at = starts_at
    roadwork.ends_at = ends_at
    roadwork.geometry = geometry
    roadwork.diversion = diversion
    roadwork.diversion_text = details.diversion_text


def _check(hub: Hub, details: RoadworkDetails, roadwork: Roadwork | None) -> None:
    """Raises RoadworkRejected with every problem `problems` finds."""
    found = problems(
        hub,
        works=details.works,
        area=details.area,
        diversion=details.diversion,
        reference=details.reference,
        roadwork=roadwork,
    )
    if found:
        raise RoadworkRejected(found)


def problems(
    hub: Hub,
    *,
    works: tuple[TypedPoint, ...],
    area: bool,
    diversion: tuple[TypedPoint, ...],
    reference: str,
    roadwork: Roadwork | None = None,
) -> dict[str, str]:
    """What the database finds wrong, by form field: a point far from the hub, an area
    whose edges cross, a reference other works of the hub use. Empty points or reference
    are not checked, so a form with other errors can be checked as far as it goes."""
    found: dict[str, str] = {}
    far = _far_point(hub, works, WORKS_NEAR_HUB_M)
    if far is not None:
        found["works_points"] = _(
            "Line %(line)d of the points along the works (%(point)s) is more than %(metres)d"
            " metres from %(hub)s. Check the numbers, or draw the works on the map.",
            line=far.line,
            point=far.typed(),
            metres=WORKS_NEAR_HUB_M,
            hub=hub.name,
        )
    elif len(works) >= (3 if area else 2) and not _valid(works, area):
        found["works_points"] = (
            _("The edges of the area cross each other. Put the points in order around the edge.")
            if area
            else _("The points along the works are all in the same place. Add another point.")
        )
    far = _far_point(hub, diversion, DIVERSION_NEAR_HUB_M)
    if far is not None:
        found["diversion_points"] = _(
            "Line %(line)d of the points along the diversion (%(point)s) is more than %(km)d km"
            " from %(hub)s. Check the numbers, or draw the diversion on the map.",
            line=far.line,
            point=far.typed(),
            km=DIVERSION_NEAR_HUB_M // 1000,
            hub=hub.name,
        )
    elif len(diversion) >= 2 and not _valid(diversion, area=False):
        found["diversion_points"] = _(
            "The points along the diversion are all in the same place. Add another point."
        )
    if reference and _reference_taken(hub, reference, roadwork):
        found.update(_reference_in_use(reference))
    return found


def _far_point(hub: Hub, points: tuple[TypedPoint, ...], metres: float) -> TypedPoint | None:
    """The first point farther than `metres` from the hub's boundary, if any."""
    if not points:
        return None
    place = db.session.scalar(
        geo.points_beyond(hub.boundary, [(p.lon, p.lat) for p in points], metres).limit(1)
    )
    return None if place is None else points[place - 1]


def _valid(points: tuple[TypedPoint, ...], area: bool) -> bool:
    lon_lat = [(point.lon, point.lat) for point in points]
    return bool(
        db.session.scalar(select(geo.is_valid(geo.polygon(lon_lat) if area else geo.line(lon_lat))))
    )


def _reference_taken(hub: Hub, reference: str, roadwork: Roadwork | None) -> bool:
    query = select(Roadwork.id).where(
        Roadwork.hub_id == hub.id, func.lower(Roadwork.reference) == reference.lower()
    )
    if roadwork is not None:
        query = query.where(Roadwork.id != roadwork.id)
    return db.session.scalar(query.limit(1)) is not None


def _is_reference_clash(error: IntegrityError) -> bool:
    return "uq_roadworks_hub_reference" in str(error.orig)


def _reference_in_use(reference: str) -> dict[str, str]:
    return {
        "reference": _(
            "Other roadworks on this high street already use the reference %(reference)s."
            " Type a different one, or leave it empty to get a new one.",
            reference=reference,
        )
    }


def _next_reference(hub: Hub) -> str:
    """The hub's next free reference for this year: HUB-2026-0001, HUB-2026-0002..."""
    prefix = f"{REFERENCE_PREFIX}-{london_today().year}-"
    taken = db.session.scalars(
        select(Roadwork.reference).where(
            Roadwork.hub_id == hub.id, Roadwork.reference.startswith(prefix, autoescape=True)
        )
    )
    numbers = [int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


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
