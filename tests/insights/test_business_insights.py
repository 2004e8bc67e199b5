"""/manage/businesses/<id>/insights: a business's own views, saves, redemptions, alert
reach and footfall near the shop, and "did my offer work?", for its owners and its high
street team only. Bad periods are told plainly with a 400; nobody sees another's figures."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import event as sql_event
from sqlalchemy import func, select

from tests.factories import (
    CLOCK_TOWER,
    PASSWORD,
    make_business,
    make_event,
    make_hub,
    make_offer,
    make_rollup,
    make_sensor,
    make_user,
)
from tests.support.forms import sign_in
from tests.support.plurals import unpluralised
from townhub.alerts.models import PushDelivery
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.days import at_london, london_today
from townhub.common.models import utcnow
from townhub.engagement.models import DailyCount
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.insights import business as insights
from townhub.insights.business_views import PeriodForm
from townhub.offers.models import Offer
from townhub.sensors.models import Sensor

TODAY = london_today()
# About 100 m east of the clock tower, and 1 km north of it.
NEAR = (CLOCK_TOWER[0] + 0.00144, CLOCK_TOWER[1])
FAR = (CLOCK_TOWER[0], CLOCK_TOWER[1] + 0.009)


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _footfall(sensor: Sensor, people: dict[date, int]) -> None:
    for day, count in people.items():
        make_rollup(sensor=sensor, start=day, people=count, readings=24)


def _count(hub: Hub, kind: str, item_id: int, day: date, count: int, ref: str = "") -> None:
    db.session.add(
        DailyCount(hub_id=hub.id, kind=kind, item_id=item_id, day=day, count=count, ref=ref)
    )
    db.session.flush()


def _deliveries(hub: Hub, kind: str, item_id: int, statuses: dict[str, int]) -> None:
    for status, count in statuses.items():
        for _ in range(count):
            db.session.add(
                PushDelivery(hub_id=hub.id, item_kind=kind, item_id=item_id, status=status)
            )
    db.session.flush()


@dataclass
class Street:
    hub: Hub
    shop: Business
    offer: Offer
    neighbour: Business  # same hub, another owner
    elsewhere: Business  # another hub


@pytest.fixture
def street() -> Street:
    """A shop with a week-long offer that ended a week ago: 100 people a day near the shop
    in the 4 weeks before, 130 a day during it; a sensor 1 km away and another hub's sensor
    beside the shop count thousands, and must not be counted."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    shop = make_business(hub=hub, name="Joe’s Bakery")
    near = make_sensor(hub=hub, name="Bakery corner", location=geo.point(*NEAR))
    far = make_sensor(hub=hub, name="Station far away", location=geo.point(*FAR))
    other_hub = make_hub(slug="purley", name="Purley")
    intruder = make_sensor(hub=other_hub, name="Purley counter", location=geo.point(*NEAR))
    offer = make_offer(
        business=shop,
        title="Sourdough Saturday",
        starts_at=at_london(_ago(14)),
        ends_at=at_london(_ago(7)),
    )
    baseline = {_ago(n): 100 for n in range(15, 43)}
    during = {_ago(n): 130 for n in range(8, 15)}
    _footfall(near, baseline | during)
    _footfall(far, {_ago(n): 5000 for n in range(0, 43)})
    _footfall(intruder, {_ago(n): 7777 for n in range(0, 43)})

    _count(hub, "business_view", shop.id, _ago(3), 17)
    _count(hub, "business_view", shop.id, _ago(2), 3, ref="poster")
    _count(hub, "business_view", shop.id, _ago(2), 1)
    _count(hub, "business_view", shop.id, _ago(40), 500)  # before the period
    for n in range(8, 15):
        _count(hub, "offer_view", offer.id, _ago(n), 6)
        _count(hub, "offer_redeem", offer.id, _ago(n), 2)
    _count(hub, "offer_save", offer.id, _ago(10), 9)
    _deliveries(hub, "offer", offer.id, {"sent": 3, "digested": 1, "failed": 2, "pending": 1})
    _deliveries(hub, "offer_reminder", offer.id, {"sent": 50})

    event = make_event(hub=hub, business_id=shop.id, title="Bread-making class")
    _count(hub, "event_view", event.id, _ago(1), 12)
    _count(hub, "event_calendar", event.id, _ago(1), 5)

    neighbour = make_business(hub=hub, name="Zebra Hardware")
    theirs = make_offer(business=neighbour, title="Zebra Hammer Week")
    _count(hub, "business_view", neighbour.id, _ago(2), 987654)
    _count(hub, "offer_redeem", theirs.id, _ago(1), 424242)
    elsewhere = make_business(hub=other_hub, name="Purley Quills", at=(-0.1140, 51.3377))
    make_offer(business=elsewhere, title="Quill Fortnight")
    _count(other_hub, "business_view", elsewhere.id, _ago(2), 313131)
    return Street(hub, shop, offer, neighbour, elsewhere)


def _page(client: FlaskClient, business: Business, query: str = "", **kwargs: object) -> str:
    response = client.get(f"/manage/businesses/{business.id}/insights{query}", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _owner(client: FlaskClient, business: Business) -> None:
    sign_in(client, make_user(businesses=[business]).email, PASSWORD)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_service_figures_equal_the_stored_counts(street: Street) -> None:
    report = insights.insights(street.shop, insights.default_period(TODAY), utcnow())

    stored_views = db.session.scalar(
        select(func.sum(DailyCount.count)).where(
            DailyCount.kind == "business_view",
            DailyCount.item_id == street.shop.id,
            DailyCount.day >= _ago(27),
        )
    )
    assert report.page_views == stored_views == 21
    by_day = dict(zip(report.period.days, report.daily.page_views, strict=True))
    assert (by_day[_ago(3)], by_day[_ago(2)], by_day[_ago(1)]) == (17, 4, 0)
    # Only the sensor 100 m away counts: 13 baseline days in the period at 100, 7 at 130.
    assert [s.name for s in report.sensors] == ["Bakery corner"]
    assert 90 < report.sensors[0].distance_m < 110
    assert report.footfall == 13 * 100 + 7 * 130
    assert report.daily.footfall[-1] is None  # nothing counted today near the shop
    (offer,) = report.offers
    assert (offer.views, offer.saves, offer.redemptions) == (42, 9, 14)
    assert (offer.alert_sent, offer.alert_reached) == (7, 4)
    (event,) = report.events
    assert (event.views, event.calendar, event.alert_sent) == (12, 5, 0)


def test_did_my_offer_work_on_a_hand_checked_example(street: Street) -> None:
    report = insights.insights(street.shop, insights.default_period(TODAY), utcnow())
    (effect,) = report.effects
    assert effect.shortfall is None
    assert (effect.first_day, effect.last_day) == (_ago(14), _ago(8))
    assert effect.near_shop == insights.Comparison(before=100, during=130, days_compared=7)
    assert effect.near_shop.change_percent == 30
    assert effect.redemptions == 14
    assert [d.redemptions for d in effect.days] == [2] * 7
    # The rest of the street (the far sensor alone): 5000 a day before and during.
    assert effect.high_street == insights.Comparison(before=5000, during=5000, days_compared=7)
    assert effect.high_street.change_percent == 0


def test_only_whole_london_days_of_an_offer_are_compared(street: Street) -> None:
    # From 15:00 14 days ago to 15:00 7 days ago: both ends are part-days and are left
    # out; the baseline is still the 4 weeks before the day it began.
    street.offer.starts_at = at_london(_ago(14), time(15))
    street.offer.ends_at = at_london(_ago(7), time(15))
    _count(street.hub, "offer_redeem", street.offer.id, _ago(7), 50)  # the part last day
    db.session.flush()

    effect = insights.offer_effect(
        street.offer, [s.id for s in insights.nearby_sensors(street.shop)], [], utcnow()
    )

    assert (effect.first_day, effect.last_day) == (_ago(13), _ago(8))
    assert [d.day for d in effect.days] == [_ago(n) for n in range(13, 7, -1)]
    assert effect.near_shop == insights.Comparison(before=100, during=130, days_compared=6)
    assert effect.redemptions == 12  # 2 a day on the 6 whole days; not the 2 or 50 on the ends


def test_an_offer_that_began_at_midnight_counts_its_first_day(street: Street) -> None:
    assert street.offer.starts_at == at_london(_ago(14))
    assert insights.whole_days(street.offer, utcnow()) == (
        _ago(14),
        [_ago(n) for n in range(14, 7, -1)],
    )
    # One that began a second after midnight and is still running: from tomorrow, to
    # yesterday (today is not over).
    running = make_offer(
        business=street.shop,
        starts_at=at_london(_ago(3), time(0, 0, 1)),
        ends_at=at_london(TODAY + timedelta(days=3)),
    )
    assert insights.whole_days(running, utcnow()) == (_ago(3), [_ago(2), _ago(1)])


def test_an_offer_that_never_ran_a_whole_day_says_so(client: FlaskClient, street: Street) -> None:
    make_offer(
        business=street.shop,
        title="Lunch and tea",
        starts_at=at_london(_ago(3), time(12)),
        ends_at=at_london(_ago(2), time(17)),
    )
    _owner(client, street.shop)
    text = _text(_page(client, street.shop))
    assert "Lunch and tea" in text
    assert "did not run for a whole day" in text
    # The page says which days are compared.
    assert "Only whole days count" in text


def test_only_offers_residents_could_see_get_a_verdict(client: FlaskClient, street: Street) -> None:
    days: dict[str, Any] = {"starts_at": at_london(_ago(21)), "ends_at": at_london(_ago(16))}
    pending = make_offer(
        business=street.shop, title="Waiting Week", status="pending", published_at=None, **days
    )
    hidden = make_offer(
        business=street.shop,
        title="Hidden Week",
        status="hidden",
        hidden_reason="Misleading",
        **days,
    )
    never_published = make_offer(
        business=street.shop, title="Refused Week", status="hidden", published_at=None, **days
    )
    draft = make_offer(business=street.shop, title="Draft Week", status="draft", **days)
    for offer in (pending, hidden, never_published, draft):
        _count(street.hub, "offer_view", offer.id, _ago(18), 3)
    pending_event = make_event(
        hub=street.hub, business_id=street.shop.id, title="Waiting Fair", status="pending"
    )

    report = insights.insights(street.shop, insights.default_period(TODAY), utcnow())

    # Only the published offer (it has ended) gets "did my offer work?".
    assert [e.offer_id for e in report.effects] == [street.offer.id]
    # The table: what residents could see, the hidden one with its views before it was
    # hidden; never an offer residents could not see.
    assert [(o.title, o.views) for o in report.offers] == [
        ("Sourdough Saturday", 42),
        ("Hidden Week", 3),
    ]
    assert [e.title for e in report.events] == ["Bread-making class"]
    assert pending_event.id not in {e.id for e in report.events}

    _owner(client, street.shop)
    html = _page(client, street.shop)
    text = _text(html)
    assert "Hidden Week (hidden by the high street team)" in text
    for absent in ("Waiting Week", "Refused Week", "Draft Week", "Waiting Fair"):
        assert absent not in text, absent
    assert f'id="effect-{street.offer.id}-title"' in html
    assert f'id="effect-{hidden.id}-title"' not in html


def test_an_offer_from_year_1_to_9999_is_not_an_overflow(
    client: FlaskClient, street: Street
) -> None:
    forever = make_offer(
        business=street.shop,
        title="Forever",
        starts_at=datetime(1, 1, 2, tzinfo=UTC),
        ends_at=datetime(9999, 12, 31, tzinfo=UTC),
    )
    effect = insights.offer_effect(forever, [], [], utcnow())
    # Nothing before 2000 counts: its whole days run from 1 January 2000 to yesterday.
    assert (effect.first_day, effect.last_day) == (date(2000, 1, 1), _ago(1))
    assert not effect.ended
    _owner(client, street.shop)
    assert "Forever" in _text(_page(client, street.shop))


def _statements(run: Callable[[], object]) -> int:
    """How many SQL statements `run` sends to the database."""
    sent: list[str] = []

    def note(*args: object) -> None:
        sent.append(str(args[2]))

    engine = db.engine
    sql_event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        sql_event.remove(engine, "before_cursor_execute", note)
    return len(sent)


def test_did_my_offer_work_takes_the_same_queries_for_1_offer_or_6(street: Street) -> None:
    now = utcnow()

    def report() -> insights.BusinessInsights:
        return insights.insights(street.shop, insights.default_period(TODAY), now)

    report()  # once, so both counts below start from the same session state
    one = _statements(report)
    for n in range(5):
        offer = make_offer(
            business=street.shop,
            title=f"Week {n}",
            starts_at=at_london(_ago(20 - n)),
            ends_at=at_london(_ago(12 - n)),
        )
        _count(street.hub, "offer_redeem", offer.id, _ago(15), n + 1)
    report()
    six = _statements(report)

    effects = report().effects
    assert len(effects) == 6
    assert one == six
    # The figures are each offer's own, as if it were alone.
    near = [s.id for s in insights.nearby_sensors(street.shop)]
    everywhere = list(db.session.scalars(select(Sensor.id).where(Sensor.hub_id == street.hub.id)))
    for together in effects:
        alone = db.session.get(Offer, together.offer_id)
        assert alone is not None
        assert insights.offer_effect(alone, near, everywhere, now) == together
    assert [e.redemptions for e in effects] == [14, 5, 4, 3, 2, 1]


def test_counts_of_one_read_in_the_singular(client: FlaskClient) -> None:
    hub = make_hub()
    shop = make_business(hub=hub, name="Solo Shop")
    near = make_sensor(hub=hub, name="Shop door", location=geo.point(*NEAR))
    offer = make_offer(
        business=shop,
        title="One-day wonder",
        starts_at=at_london(_ago(3)),
        ends_at=at_london(_ago(2)),
    )
    _footfall(near, {_ago(3): 1} | {_ago(n): 1 for n in range(4, 32)})
    for kind in ("offer_view", "offer_save", "offer_redeem"):
        _count(hub, kind, offer.id, _ago(3), 1)
    _count(hub, "business_view", shop.id, _ago(3), 1)
    event = make_event(hub=hub, business_id=shop.id, title="One-off talk")
    _count(hub, "event_view", event.id, _ago(3), 1)
    _count(hub, "event_calendar", event.id, _ago(3), 1)
    _deliveries(hub, "offer", offer.id, {"sent": 1})
    _owner(client, shop)

    text = _text(_page(client, shop))

    for singular in (
        "It ran for 1 whole day, from",
        "Redeemed 1 time on those days.",
        "On the 1 day compared:",
        "1 of 1 phone ",
        "1 view in all.",
        "Your offers were viewed 1 time. They were saved 1 time. They were redeemed 1 time.",
        "Your events were viewed 1 time. They were added to calendars 1 time.",
    ):
        assert singular in text, singular
    assert " 1 times" not in text and " 1 days" not in text and "1 phones" not in text


# Placeholders that stand for a number of things: a message with one needs ngettext,
# choosing its form by that one number, so each language can give it its own plural form
# (Welsh has six).
COUNTS = {"count", "num", "days", "total", "views", "saves", "redemptions", "calendar", "sent"}


def test_every_message_with_a_count_chooses_its_plural_form_by_it() -> None:
    root = Path(__file__).resolve().parents[2]
    paths = (
        root / "townhub" / "insights" / "business.py",
        root / "townhub" / "insights" / "business_views.py",
        root / "townhub" / "templates" / "insights" / "business.html",
    )
    assert unpluralised(paths, COUNTS) == []


def test_the_baseline_is_the_same_weekdays() -> None:
    monday = date(2026, 3, 2)
    before = {monday - timedelta(days=n): 100 for n in range(1, 29)}
    for week in range(1, 5):
        before[monday - timedelta(weeks=week)] = 200  # Mondays are busier
    comparison, usual = insights.compare({monday: 260, monday + timedelta(days=1): None}, before)
    assert comparison == insights.Comparison(before=200, during=260, days_compared=1)
    assert comparison.change_percent == 30
    assert usual == {monday: 200, monday + timedelta(days=1): 100}


def test_the_owner_sees_the_figures_and_nobody_elses(client: FlaskClient, street: Street) -> None:
    _owner(client, street.shop)
    html = _page(client, street.shop)
    text = _text(html)
    assert "How Joe’s Bakery is doing" in text
    assert re.search(r'id="total-page-views">21<', html)
    assert "2,210" in text  # people counted near the shop in the period
    assert "Bakery corner (100 m away)" in text
    assert "4 of 7 phones" in text
    assert "It ran for 7 whole days, from" in text
    assert "Redeemed 14 times on those days." in text
    assert "30% busier than the 4 weeks before." in text
    assert "other causes" in text
    assert "Bread-making class" in text
    # Every table has a caption: the offers' and events' are for screen readers only,
    # their headings already name them on screen.
    tables = re.findall(r"<table\b.*?</table>", html, re.S)
    assert len(tables) >= 6
    assert all(re.search(r"<table[^>]*>\s*<caption", table) for table in tables)
    for caption in (
        "Your offers: views, saves, redemptions and alerts",
        "Your events: views, calendar downloads and alerts",
    ):
        assert f'<caption class="visually-hidden">{caption}</caption>' in html
    # Each chart is a table too: the offer's day by day, and during against before.
    assert f'id="chart-offer-{street.offer.id}-versus"' in html
    assert '<th scope="row">During the offer</th><td class="numeric">130</td>' in html
    for absent in (
        "Station far away",
        "Purley counter",
        "5,000",
        "7,777",
        "Zebra",
        "987,654",
        "424,242",
        "Quill",
        "313,131",
    ):
        assert absent not in text, absent


def test_an_offer_that_ran_under_a_day_says_so(client: FlaskClient, street: Street) -> None:
    make_offer(business=street.shop, title="Flash sale", starts_at=utcnow() - timedelta(hours=2))
    _owner(client, street.shop)
    text = _text(_page(client, street.shop))
    assert "Flash sale" in text
    assert "has not run for a whole day yet" in text


def test_no_sensor_nearby_is_said_plainly(client: FlaskClient) -> None:
    hub = make_hub()
    shop = make_business(hub=hub, name="Lonely Shop")
    make_sensor(hub=hub, name="Far counter", location=geo.point(*FAR))
    make_offer(business=shop, starts_at=at_london(_ago(5)), ends_at=at_london(_ago(1)))
    _owner(client, shop)
    text = _text(_page(client, shop))
    assert "No footfall sensor is within 150 m of your shop" in text
    assert "Check your place on the map" in text
    assert "no footfall sensor near your shop, so we cannot say" in text
    assert "Far counter" not in text


def test_no_baseline_is_said_plainly(street: Street) -> None:
    fresh = make_offer(
        business=street.shop, starts_at=at_london(_ago(60)), ends_at=at_london(_ago(50))
    )
    effect = insights.offer_effect(
        fresh, [s.id for s in insights.nearby_sensors(street.shop)], [], utcnow()
    )
    assert effect.shortfall == "no_baseline"
    assert effect.near_shop.change_percent is None


def test_a_chosen_period_shows_those_days(client: FlaskClient, street: Street) -> None:
    _owner(client, street.shop)
    first, last = _ago(14), _ago(8)
    text = _text(_page(client, street.shop, f"?from={first}&to={last}"))
    assert f"Figures from {first:%-d %B %Y} to {last:%-d %B %Y}" in text
    assert "910" in text  # 7 days at 130
    assert "2,210" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-02-10&to=2026-02-01", "The last day must be the same as or after the first"),
        (f"?from={TODAY}&to={TODAY + timedelta(days=1)}", "The last day must be today or in"),
        (f"?from={TODAY + timedelta(days=3)}", "The first day must be today or in the past"),
        (f"?from={TODAY - timedelta(days=400)}&to={TODAY}", "Choose a period of 366 days or"),
        (f"?from={TODAY - timedelta(days=367)}", "Choose a period of 366 days or fewer"),
        ("?from=0001-01-01&to=0001-01-05", "The first day must be in 2000 or later"),
        # Dates at the ends of the calendar: nothing is worked out from them before they
        # are checked (the last 28 days before 1 January of year 1 do not exist).
        ("?to=0001-01-01", "The last day must be in 2000 or later"),
        ("?to=0001-01-27", "The last day must be in 2000 or later"),
        ("?from=0001-01-01", "The first day must be in 2000 or later"),
        ("?to=9999-12-31", "The last day must be today or in the past"),
        ("?from=9999-12-31", "The first day must be today or in the past"),
        ("?from=0001-01-01&to=9999-12-31", "The first day must be in 2000 or later"),
        ("?from=9999-12-31&to=0001-01-01", "The first day must be today or in the past"),
        ("?from=yesterday", "Enter the first day as year-month-day"),
        ("?from=2026-02-30", "Enter the first day as year-month-day"),
        ("?to=99999-01-01", "Enter the last day as year-month-day"),
        ("?from=2026-01-01&from=2026-01-02", "Enter the first day as year-month-day"),
    ],
)
def test_bad_periods_are_told_plainly(
    client: FlaskClient, street: Street, query: str, message: str
) -> None:
    _owner(client, street.shop)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(
            f"/manage/businesses/{street.shop.id}/insights{query}", headers=headers
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert 'class="error-summary"' in html
        assert message in html
        assert "<title>Error: How Joe’s Bakery is doing" in html
        # The default period's figures are shown instead.
        assert "these are the last 28 days" in html
        assert re.search(r'id="total-page-views">21<', html)


@pytest.mark.parametrize("who", ["neighbour", "elsewhere"])
def test_an_owner_cannot_see_another_business(
    client: FlaskClient, street: Street, who: str
) -> None:
    _owner(client, street.shop)
    other: Business = getattr(street, who)
    response = client.get(f"/manage/businesses/{other.id}/insights")
    assert response.status_code == 403
    text = _text(response.get_data(as_text=True))
    assert "Only the business’s owners and its high street team can see this." in text
    for absent in (other.name, "Zebra", "Quill", "987,654", "424,242", "313,131", "Purley"):
        assert absent not in text, absent


def test_a_manager_of_another_hub_is_refused(client: FlaskClient, street: Street) -> None:
    sign_in(client, make_user(role="hub_manager", hubs=[make_hub()]).email, PASSWORD)
    response = client.get(f"/manage/businesses/{street.shop.id}/insights")
    assert response.status_code == 403
    assert "Joe’s Bakery" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["hub_manager", "council_admin"])
def test_the_high_street_team_and_council_see_it(
    client: FlaskClient, street: Street, role: str
) -> None:
    hubs = [street.hub] if role == "hub_manager" else []
    sign_in(client, make_user(role=role, hubs=hubs).email, PASSWORD)
    assert "30% busier" in _text(_page(client, street.shop))


def test_unknown_business_and_signed_out(client: FlaskClient, street: Street) -> None:
    response = client.get(f"/manage/businesses/{street.shop.id}/insights")
    assert response.status_code == 302
    assert "/manage/sign-in" in response.headers["Location"]
    _owner(client, street.shop)
    response = client.get("/manage/businesses/999999/insights")
    assert response.status_code == 404
    assert "There is no business at this address." in response.get_data(as_text=True)


def test_the_business_overview_links_to_its_insights(client: FlaskClient, street: Street) -> None:
    _owner(client, street.shop)
    html = client.get(f"/manage/businesses/{street.shop.id}").get_data(as_text=True)
    assert f'href="/manage/businesses/{street.shop.id}/insights"' in html


def test_the_figures_download_as_csv(client: FlaskClient, street: Street) -> None:
    _owner(client, street.shop)
    html = _page(client, street.shop)
    link = f"/manage/businesses/{street.shop.id}/insights.csv?from={_ago(27)}&amp;to={TODAY}"
    assert f'href="{link}"' in html
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Day" and rows[0][-1] == "People counted near your shop"
    by_day = {row[0]: row[1:] for row in rows[1:]}
    assert len(by_day) == 28
    assert by_day[str(_ago(2))] == ["4", "0", "0", "0", "0", "0", ""]
    assert by_day[str(_ago(20))] == ["0", "0", "0", "0", "0", "0", "100"]
    assert by_day[str(_ago(10))] == ["0", "6", "9", "2", "0", "0", "130"]
    assert by_day[str(TODAY)][-1] == ""  # nothing counted today
    assert sum(int(row[-1] or 0) for row in rows[1:]) == 2210


def test_the_csv_refuses_bad_periods_and_other_businesses(
    client: FlaskClient, street: Street
) -> None:
    _owner(client, street.shop)
    response = client.get(f"/manage/businesses/{street.shop.id}/insights.csv?from=2026-99-01")
    assert response.status_code == 400
    assert "Enter the first day as year-month-day" in response.get_data(as_text=True)
    response = client.get(f"/manage/businesses/{street.neighbour.id}/insights.csv")
    assert response.status_code == 403
    assert "987654" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?to=0001-01-01", "The last day must be in 2000 or later"),
        ("?from=0001-01-01", "The first day must be in 2000 or later"),
        ("?to=9999-12-31", "The last day must be today or in the past"),
        ("?from=9999-12-31&to=9999-12-31", "The first day must be today or in the past"),
    ],
)
def test_the_csv_refuses_days_at_the_ends_of_the_calendar(
    client: FlaskClient, street: Street, query: str, message: str
) -> None:
    _owner(client, street.shop)
    response = client.get(f"/manage/businesses/{street.shop.id}/insights.csv{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_period_that_skipped_the_checks_is_refused_not_an_overflow(
    app: Flask, street: Street
) -> None:
    with app.test_request_context("/?to=0001-01-01"):
        form = PeriodForm(request.args)
        with pytest.raises(insights.PeriodRefused):
            form.period()
