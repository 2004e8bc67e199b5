from __future__ import annotations

from sqlalchemy import func, select

from townhub.businesses.models import Business
from townhub.demo.seed import seed
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.hubs.models import Hub
from townhub.roadworks.models import Roadwork
from townhub.sensors.models import Sensor


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_seed_loads_three_real_hubs_and_running_it_twice_duplicates_nothing() -> None:
    seed(weeks=1)
    first = {m.__name__: _count(m) for m in (Hub, Business, Sensor, Roadwork, FootfallCount)}

    seed(weeks=1)

    assert {
        m.__name__: _count(m) for m in (Hub, Business, Sensor, Roadwork, FootfallCount)
    } == first
    assert sorted(db.session.scalars(select(Hub.slug))) == [
        "purley",
        "south-norwood",
        "thornton-heath",
    ]
    assert first["Sensor"] == 9 and first["Roadwork"] == 3
    assert 3 * 18 <= first["Business"] <= 3 * 25
    assert first["FootfallCount"] == 9 * 7 * 24


def test_every_business_and_sensor_lies_inside_its_hub_and_roadworks_have_diversions() -> None:
    seed(weeks=1)

    outside = db.session.scalar(
        select(func.count())
        .select_from(Business)
        .join(Hub, Hub.id == Business.hub_id)
        .where(~func.ST_Covers(Hub.boundary, Business.location))
    )
    assert outside == 0
    assert db.session.scalar(select(func.count()).where(Roadwork.diversion.is_(None))) == 0
    assert all(db.session.scalars(select(func.ST_IsValid(Hub.boundary))))


def test_footfall_has_a_daily_shape_busier_at_midday_than_at_night() -> None:
    seed(weeks=1)
    hour = func.extract("hour", func.timezone("Europe/London", FootfallCount.measured_at))
    by_hour = dict(
        db.session.execute(select(hour, func.avg(FootfallCount.people)).group_by(hour)).all()
    )
    assert by_hour[13] > 10 * by_hour[3]
