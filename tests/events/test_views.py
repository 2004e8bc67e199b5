from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from icalendar import Calendar

from tests.factories import make_business, make_event, make_hub
from tests.support.html import card_titles
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow


def test_events_are_listed_by_day_soonest_first(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    base = (utcnow() + timedelta(days=2)).astimezone(LONDON).replace(hour=10, minute=0)
    make_event(
        hub=hub,
        title="Afternoon talk",
        starts_at=base + timedelta(hours=4),
        ends_at=base + timedelta(hours=5),
    )
    make_event(hub=hub, title="Morning market", starts_at=base, ends_at=base + timedelta(hours=3))
    make_event(
        hub=hub,
        title="Next week",
        starts_at=base + timedelta(days=7),
        ends_at=base + timedelta(days=7, hours=1),
    )
    make_event(
        hub=hub,
        title="Over",
        starts_at=base - timedelta(days=5),
        ends_at=base - timedelta(days=5) + timedelta(hours=1),
    )
    make_event(hub=hub, title="Draft", status="draft")

    page = client.get("/south-norwood/events").get_data(as_text=True)

    assert card_titles(page) == [
        "Morning market",
        "Afternoon talk",
        "Next week",
    ]
    assert len(re.findall(r'<h2 id="day-', page)) == 2


def test_event_page_has_the_facts_a_calendar_link_and_json_ld(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    shop = make_business(hub=hub, name="Second Chapter Books")
    event = make_event(
        hub=hub, business_id=shop.id, title="Canal history talk", place="29 High Street"
    )

    page = client.get(f"/south-norwood/events/{event.id}").get_data(as_text=True)

    assert (
        "Canal history talk" in page and "29 High Street" in page and "Second Chapter Books" in page
    )
    assert f'href="/south-norwood/events/{event.id}.ics"' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )  # type: ignore[union-attr]
    assert data["@type"] == "Event"
    assert data["startDate"] == event.starts_at.isoformat()
    assert data["location"]["name"] == "29 High Street"
    assert data["organizer"]["name"] == "Second Chapter Books"


def test_an_events_calendar_file_is_valid_icalendar_in_london_time(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    summer = datetime(2027, 7, 3, 11, 0, tzinfo=LONDON)  # BST: 10:00 UTC
    event = make_event(
        hub=hub, title="Summer fair", starts_at=summer, ends_at=summer + timedelta(hours=6)
    )

    response = client.get(f"/south-norwood/events/{event.id}.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    (item,) = calendar.walk("VEVENT")
    assert str(item["UID"]) == f"event-{event.id}@localhost"
    assert item.decoded("DTSTAMP").tzinfo is not None
    start = item.decoded("DTSTART")
    assert start == summer and str(start.tzinfo) == "Europe/London"
    assert item["DTSTART"].params["TZID"] == "Europe/London"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(item["SUMMARY"]) == "Summer fair"


def test_the_hub_feed_has_every_coming_event(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    titles = {make_event(hub=hub, title=f"Event {n}").title for n in range(3)}
    make_event(hub=hub, title="Hidden", status="hidden")

    response = client.get("/south-norwood/events.ics")

    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in events} == titles
    assert len({str(e["UID"]) for e in events}) == 3


def test_unknown_event_is_a_helpful_404(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    for path in ("/south-norwood/events/424242", "/south-norwood/events/424242.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert "This hub has no event at this address." in response.get_data(as_text=True)
