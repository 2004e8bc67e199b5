"""Load the demo data for three Croydon high streets. Safe to run again: it updates in
place and adds only footfall hours that are missing."""

from __future__ import annotations

import math
import random
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from townhub.accounts.models import User
from townhub.accounts.service import hash_password
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.demo import history
from townhub.demo.onboarding import (
    ON_TOWNHUB_NEXT_STEPS,
    ON_TOWNHUB_NOTES,
    OWNERS_INVITED,
    OWNERS_SIGNED_IN,
    PROSPECTS,
)
from townhub.demo.places import HUBS, DemoBusiness, DemoEvent, DemoHub, DemoOffer, DemoSensor
from townhub.demographics.demo import seed_answers
from townhub.events.models import Event
from townhub.extensions import db
from townhub.footfall import rollups
from townhub.footfall.models import FootfallCount
from townhub.hubs.models import Hub, Place
from townhub.offers.models import Offer
from townhub.offers.service import geofence_for
from townhub.roadworks.models import Roadwork
from townhub.sensors.models import Sensor
from townhub.tracker import service as tracker
from townhub.tracker.models import TrackedBusiness, VisitNote

DEMO_PASSWORD = "townhub-demo"  # noqa: S105 - printed in the README for the demo only

# Share of a day's footfall in each local hour, weekday and weekend (sums to about 1).
WEEKDAY_SHAPE = [
    0.002,
    0.001,
    0.001,
    0.001,
    0.002,
    0.006,
    0.018,
    0.045,
    0.068,
    0.062,
    0.066,
    0.078,
    0.094,
    0.090,
    0.076,
    0.072,
    0.078,
    0.086,
    0.064,
    0.040,
    0.025,
    0.015,
    0.008,
    0.004,
]
SATURDAY_SHAPE = [
    0.004,
    0.002,
    0.001,
    0.001,
    0.001,
    0.002,
    0.006,
    0.018,
    0.040,
    0.066,
    0.088,
    0.102,
    0.108,
    0.104,
    0.098,
    0.090,
    0.078,
    0.062,
    0.046,
    0.034,
    0.024,
    0.014,
    0.008,
    0.005,
]
SUNDAY_SHAPE = [
    0.005,
    0.003,
    0.002,
    0.001,
    0.001,
    0.002,
    0.004,
    0.010,
    0.026,
    0.052,
    0.080,
    0.102,
    0.112,
    0.114,
    0.108,
    0.098,
    0.084,
    0.066,
    0.048,
    0.034,
    0.022,
    0.014,
    0.008,
    0.005,
]
# How busy each weekday is against an average day (Mon..Sun).
DAY_FACTOR = [0.90, 0.92, 0.95, 0.98, 1.08, 1.25, 0.78]


def seed(weeks: int = 8) -> str:
    """Create or update the demo hubs and add missing footfall hours. Commits."""
    today = datetime.now(LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
    past = history.Past(today.date())
    for demo in HUBS:
        hub = _upsert_hub(demo)
        businesses = {d.slug: _upsert_business(hub, d) for d in demo.businesses}
        db.session.flush()
        for offer in demo.offers:
            _upsert_offer(hub, businesses[offer.business_slug], offer, today)
        for event in demo.events:
            _upsert_event(hub, businesses.get(event.business_slug or ""), event, today)
        _upsert_roadwork(hub, demo, today)
        _upsert_places(hub, demo)
        sensors = [_upsert_sensor(hub, s) for s in demo.sensors]
        db.session.flush()
        for sensor, demo_sensor in zip(sensors, demo.sensors, strict=True):
            _add_footfall(hub, sensor, demo_sensor.base_hourly, weeks, past)
    _upsert_demo_users()
    db.session.flush()
    for demo in HUBS:
        _seed_tracker(demo, today.date())
    db.session.flush()
    history.seed_engagement(past)
    db.session.commit()
    seed_answers(list(db.session.scalars(select(Hub).order_by(Hub.id))), today.date())
    counts = {
        "hubs": db.session.query(Hub).count(),
        "businesses": db.session.query(Business).count(),
        "offers": db.session.query(Offer).count(),
        "events": db.session.query(Event).count(),
        "roadworks": db.session.query(Roadwork).count(),
        "sensors": db.session.query(Sensor).count(),
        "footfall hours": db.session.query(FootfallCount).count(),
        "tracked businesses": db.session.query(TrackedBusiness).count(),
    }
    return "Demo data ready: " + ", ".join(f"{n} {what}" for what, n in counts.items())


def _upsert_hub(demo: DemoHub) -> Hub:
    hub = db.session.scalar(select(Hub).where(Hub.slug == demo.slug)) or Hub(slug=demo.slug)
    hub.name = demo.name
    hub.boundary = geo.polygon(demo.boundary)
    db.session.add(hub)
    db.session.flush()
    return hub


def _street_of(address: str) -> str:
    """'8 Station Road, London SE25 5AJ' -> 'Station Road'."""
    return re.sub(r"^[\d\w-]*\d[\w-]*\s+", "", address.split(",")[0]).strip()


def _upsert_places(hub: Hub, demo: DemoHub) -> None:
    """The hub's streets (where its businesses are, at their middle) and landmarks."""
    streets: dict[str, list[tuple[float, float]]] = {}
    for business in demo.businesses:
        streets.setdefault(_street_of(business.address), []).append((business.lon, business.lat))
    named = [
        (name, "street", sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps))
        for name, ps in streets.items()
    ] + [(name, "landmark", lon, lat) for name, lon, lat in demo.landmarks]
    for name, kind, lon, lat in named:
        place = db.session.scalar(
            select(Place).where(Place.hub_id == hub.id, Place.name == name)
        ) or Place(hub_id=hub.id, name=name)
        place.kind = kind
        place.position = geo.point(round(lon, 5), round(lat, 5))
        db.session.add(place)


def _upsert_business(hub: Hub, demo: DemoBusiness) -> Business:
    business = db.session.scalar(
        select(Business).where(Business.hub_id == hub.id, Business.slug == demo.slug)
    ) or Business(hub_id=hub.id, slug=demo.slug)
    business.name = demo.name
    business.category = demo.category
    business.description = demo.description
    business.address = demo.address
    business.phone = demo.phone
    business.accessibility = demo.accessibility
    business.location = geo.point(demo.lon, demo.lat)
    business.opening_hours = {
        day: [list(span) for span in spans] for day, spans in demo.opening_hours.items()
    }
    business.status = "approved"
    db.session.add(business)
    return business


def _upsert_offer(hub: Hub, business: Business, demo: DemoOffer, today: datetime) -> None:
    offer = db.session.scalar(
        select(Offer).where(Offer.business_id == business.id, Offer.title == demo.title)
    ) or Offer(hub_id=hub.id, business_id=business.id, title=demo.title)
    offer.details = demo.details
    offer.terms = demo.terms
    offer.starts_at = today + timedelta(days=demo.start_offset_days)
    offer.ends_at = offer.starts_at + timedelta(days=demo.duration_days)
    offer.radius_m = demo.radius_m
    offer.geofence = geofence_for(business, demo.radius_m)
    offer.redemption_code = demo.redemption_code
    offer.status = "published"
    offer.published_at = offer.published_at or utcnow()
    db.session.add(offer)


def _upsert_event(hub: Hub, business: Business | None, demo: DemoEvent, today: datetime) -> None:
    event = db.session.scalar(
        select(Event).where(Event.hub_id == hub.id, Event.title == demo.title)
    ) or Event(hub_id=hub.id, title=demo.title)
    hours, minutes = (int(part) for part in demo.start_time.split(":"))
    day = (today + timedelta(days=demo.start_offset_days)).date()
    event.starts_at = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=LONDON)
    event.ends_at = event.starts_at + timedelta(minutes=demo.duration_minutes)
    event.business_id = business.id if business else None
    event.description = demo.description
    event.place = demo.place
    event.location = geo.point(demo.lon, demo.lat)
    event.status = "published"
    db.session.add(event)


def _upsert_roadwork(hub: Hub, demo: DemoHub, today: datetime) -> None:
    works = demo.roadwork
    roadwork = db.session.scalar(
        select(Roadwork).where(Roadwork.hub_id == hub.id, Roadwork.reference == works.reference)
    ) or Roadwork(hub_id=hub.id, reference=works.reference)
    roadwork.street = works.street
    roadwork.description = works.description
    roadwork.traffic_management = works.traffic_management
    roadwork.starts_at = today + timedelta(days=works.start_offset_days)
    roadwork.ends_at = roadwork.starts_at + timedelta(days=works.duration_days)
    roadwork.geometry = geo.line(works.line)
    roadwork.diversion = geo.line(works.diversion_line)
    roadwork.diversion_text = works.diversion_text
    roadwork.source = "demo"
    db.session.add(roadwork)


def _upsert_sensor(hub: Hub, demo: DemoSensor) -> Sensor:
    sensor = db.session.scalar(select(Sensor).where(Sensor.device_id == demo.device_id)) or Sensor(
        device_id=demo.device_id
    )
    sensor.hub_id = hub.id
    sensor.dev_eui = demo.dev_eui
    sensor.network = "tts"
    sensor.name = demo.name
    sensor.location = geo.point(demo.lon, demo.lat)
    sensor.kind = "paxcounter"
    sensor.mapping = {"period_minutes": 15}
    sensor.operator = f"Croydon Council, with the {hub.name} high street team"
    sensor.placement = demo.name
    db.session.add(sensor)
    return sensor


def hourly_people(
    base_hourly: int, local_hour: datetime, rng: random.Random, factor: float = 1.0
) -> int:
    """A plausible count for one hour: daily and weekly shape, a slow trend and noise,
    times `factor` for what happened that hour (a heatwave, a festival)."""
    weekday = local_hour.weekday()
    shape = SATURDAY_SHAPE if weekday == 5 else SUNDAY_SHAPE if weekday == 6 else WEEKDAY_SHAPE
    # base_hourly is the weekday midday peak, so scale the day from the weekday peak share.
    day_total = base_hourly / max(WEEKDAY_SHAPE) * DAY_FACTOR[weekday]
    seasonal = 1.0 + 0.05 * math.sin(local_hour.timetuple().tm_yday / 58.0)
    noise = rng.gauss(1.0, 0.08)
    return max(0, round(day_total * shape[local_hour.hour] * seasonal * noise * factor))


def _add_footfall(
    hub: Hub, sensor: Sensor, base_hourly: int, weeks: int, past: history.Past
) -> None:
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(weeks=weeks)
    rng = random.Random(sensor.device_id)  # the same device gets the same history
    rows = []
    moment = start
    while moment < end:
        local = moment.astimezone(LONDON)
        rows.append(
            {
                "sensor_id": sensor.id,
                "measured_at": moment,
                "period_minutes": 60,
                "people": hourly_people(
                    base_hourly, local, rng, past.footfall_factor(hub.slug, sensor.device_id, local)
                ),
                # Keyed by device and hour, so a second run adds only missing hours.
                "uplink_id": f"demo:{sensor.device_id}:{moment:%Y-%m-%dT%H}",
            }
        )
        moment += timedelta(hours=1)
    for chunk in range(0, len(rows), 2000):
        db.session.execute(
            insert(FootfallCount).values(rows[chunk : chunk + 2000]).on_conflict_do_nothing()
        )
    rollups.rebuild([sensor.id])
    last = end - timedelta(hours=1)
    if rows and (sensor.last_seen_at is None or sensor.last_seen_at < last):
        sensor.last_seen_at = last


def _upsert_demo_users() -> None:
    """Demo accounts: an owner of two South Norwood businesses, a hub manager, an admin."""
    south_norwood = db.session.scalar(select(Hub).where(Hub.slug == "south-norwood"))
    assert south_norwood is not None
    owned = list(
        db.session.scalars(
            select(Business)
            .where(Business.hub_id == south_norwood.id)
            .order_by(Business.id)
            .limit(2)
        )
    )
    people = [
        ("owner@example.org", "Demo Shop Owner", "owner"),
        ("manager@example.org", "Demo High Street Manager", "hub_manager"),
        ("admin@example.org", "Demo Council Admin", "council_admin"),
    ]
    for email, name, role in people:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email, name=name, role=role, password_hash=hash_password(DEMO_PASSWORD)
            )
            db.session.add(user)
        if role == "owner":
            user.businesses = owned
        if role == "hub_manager":
            user.hubs = [south_norwood]


def _seed_tracker(demo: DemoHub, today: date) -> None:
    """The hub's onboarding tracker: its demo businesses (most with an owner who has signed
    in, a few invited, the rest listed by the team) and shops not on Townhub yet, with
    visits and next steps. Visits are matched by their words, so a second run moves their
    dates instead of adding them again."""
    hub = db.session.scalar(select(Hub).where(Hub.slug == demo.slug))
    assert hub is not None
    # The demo manager runs South Norwood; the council admin looks after the others.
    team_email = "manager@example.org" if demo.slug == "south-norwood" else "admin@example.org"
    team = db.session.scalar(select(User).where(User.email == team_email))
    assert team is not None
    businesses = [
        db.session.scalar(
            select(Business).where(Business.hub_id == hub.id, Business.slug == d.slug)
        )
        for d in demo.businesses
    ]
    signed_in = OWNERS_SIGNED_IN[demo.slug]
    states = [
        "active" if i < signed_in else "invited" if i < signed_in + OWNERS_INVITED else "listed"
        for i in range(len(businesses))
    ]
    for business, state in zip(businesses, states, strict=True):
        assert business is not None
        if state != "listed":
            _upsert_demo_owner(business, signed_in=state == "active")
    tracker.sync_hub(hub)
    for index, (business, state) in enumerate(zip(businesses, states, strict=True)):
        assert business is not None
        entry = db.session.scalar(
            select(TrackedBusiness).where(TrackedBusiness.business_id == business.id)
        )
        assert entry is not None
        entry.status = "visited"
        entry.handled_by_id = team.id
        entry.next_step = ON_TOWNHUB_NEXT_STEPS.get(state, "")
        entry.next_step_on = today + timedelta(days=index % 9 - 1) if entry.next_step else None
        _upsert_visit(entry, team, today - timedelta(days=4 + 3 * index), ON_TOWNHUB_NOTES[state])
    for prospect in PROSPECTS[demo.slug]:
        entry = db.session.scalar(
            select(TrackedBusiness).where(
                TrackedBusiness.hub_id == hub.id,
                TrackedBusiness.name == prospect.name,
                TrackedBusiness.business_id.is_(None),
            )
        ) or TrackedBusiness(hub_id=hub.id, name=prospect.name)
        entry.address = prospect.address
        entry.category = prospect.category
        entry.status = prospect.status
        entry.next_step = prospect.next_step
        entry.next_step_on = (
            None
            if prospect.next_step_in_days is None
            else today + timedelta(days=prospect.next_step_in_days)
        )
        entry.handled_by_id = team.id if prospect.visits else None
        db.session.add(entry)
        db.session.flush()
        for days_ago, note in prospect.visits:
            _upsert_visit(entry, team, today - timedelta(days=days_ago), note)


def _upsert_demo_owner(business: Business, *, signed_in: bool) -> None:
    """An owner account for a demo business: signed in (it has a password), or invited and
    not signed in yet (no password)."""
    email = f"owner.{business.slug}@example.org"
    owner = db.session.scalar(select(User).where(User.email == email)) or User(
        email=email, role="owner"
    )
    owner.name = f"{business.name} (owner)"
    if not signed_in:
        owner.password_hash = None
    elif owner.password_hash is None:
        owner.password_hash = hash_password(DEMO_PASSWORD)
    owner.businesses = [business]
    db.session.add(owner)


def _upsert_visit(entry: TrackedBusiness, author: User, visited_on: date, note: str) -> None:
    visit = db.session.scalar(
        select(VisitNote).where(VisitNote.tracked_business_id == entry.id, VisitNote.note == note)
    ) or VisitNote(tracked_business_id=entry.id, note=note)
    visit.visited_on = visited_on
    visit.author_id = author.id
    db.session.add(visit)
