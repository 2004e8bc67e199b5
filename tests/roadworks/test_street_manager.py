"""DfT Street Manager import: parsing each shape, placing works with PostGIS, idempotence,
closing, refusing bad input, the endpoint and the command."""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from tests.factories import CLOCK_TOWER, make_hub, make_roadwork
from townhub import create_app
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.config import ConfigurationError
from townhub.extensions import db
from townhub.jobs.models import Job
from townhub.keys import main as init_secrets
from townhub.roadworks import service
from townhub.roadworks.models import Roadwork
from townhub.roadworks.streetmanager import (
    Entry,
    MalformedPermit,
    NotRoadworks,
    PermitNotice,
    read_csv,
    read_envelope,
    read_permit,
)

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "a-long-shared-secret-for-street-manager-0123456789"
URL = "/roadworks/street-manager"
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
# The fixtures' clock: the day after the CSV's High Street works stopped, before they
# were due to end.
FIXTURE_NOW = datetime(2025, 6, 21, 12, 0, tzinfo=UTC)
# Market Street, Manchester, in British National Grid.
MANCHESTER = "POINT(383997.43 398258.32)"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _work_start() -> dict[str, Any]:
    """The plain message inside the recorded SNS envelope."""
    message: dict[str, Any] = json.loads(_load("sns_work_start.json")["Message"])
    return message


def _moved(message: dict[str, Any], anchor: str, to: datetime) -> dict[str, Any]:
    """The message with every time in it moved so that its `anchor` field falls at `to`."""
    moved = copy.deepcopy(message)
    data = moved["object_data"]
    shift = to - datetime.fromisoformat(data[anchor])

    def move(value: Any) -> Any:
        if isinstance(value, str) and ISO_TIME.match(value):
            return (datetime.fromisoformat(value) + shift).isoformat().replace("+00:00", "Z")
        return value

    moved["object_data"] = {key: move(value) for key, value in data.items()}
    moved["event_time"] = move(moved["event_time"])
    return moved


def _started_yesterday() -> dict[str, Any]:
    return _moved(_work_start(), "actual_start_date_time", utcnow() - timedelta(days=1))


def _envelope(message: dict[str, Any]) -> dict[str, Any]:
    envelope: dict[str, Any] = _load("sns_work_start.json")
    envelope["Message"] = json.dumps(message)
    return envelope


def _permit(message: dict[str, Any]) -> list[Entry]:
    return read_envelope(message).entries


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _alert_jobs() -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "push_item")) or 0
    )


def _only_roadwork() -> Roadwork:
    return db.session.scalars(select(Roadwork)).one()


@pytest.fixture(autouse=True)
def _in_english(_database: None) -> Iterator[None]:
    """The parser's reasons are translated; outside a request there is no language to pick."""
    with force_locale("en"):
        yield


@pytest.fixture
def street_manager_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "STREET_MANAGER_SECRET", SECRET)


# Reading the formats ---------------------------------------------------------------------


def test_the_sns_envelope_gives_the_permit_in_its_message() -> None:
    envelope = read_envelope(_load("sns_work_start.json"), "Notification")

    assert envelope.kind == "Notification"
    [entry] = envelope.entries
    permit = entry.result
    assert isinstance(permit, PermitNotice)
    assert permit.reference == "SGN0431276544-01"
    assert permit.event_type == "WORK_START"
    assert permit.street == "High Street"
    assert permit.traffic_management == "Road closure"
    assert permit.starts_at == datetime(2025, 6, 16, 6, 47, tzinfo=UTC)  # actual start
    assert permit.ends_at == datetime(2025, 6, 27, 22, 59, tzinfo=UTC)
    assert permit.starts_at.utcoffset() == timedelta(0)
    assert permit.kind == "line" and permit.wkt.startswith("LINESTRING (534000.09 168253.71")
    assert permit.stopped is None and permit.ended_at is None
    assert permit.usrn == "20500367"
    assert permit.description == (
        "Utility repair and maintenance works by SOUTHERN GAS NETWORKS PLC. Standard works."
        " On the carriageway and footway. The pavement is closed, with a walkway for people"
        " on foot. A traffic-sensitive street: expect delays at busy times."
        " Street Manager permit SGN0431276544-01."
    )


def test_the_plain_message_is_read_the_same_way() -> None:
    permit = read_permit(_load("permit_granted.json"))

    assert permit.reference == "BT0159876543-02"
    assert permit.event_type == "PERMIT_GRANTED"
    assert permit.street == "Station Road"
    # The proposed times are more precise than the proposed dates.
    assert permit.starts_at == datetime(2025, 6, 23, 8, 0, tzinfo=UTC)
    assert permit.ends_at == datetime(2025, 6, 24, 16, 0, tzinfo=UTC)
    assert permit.kind == "point"
    assert permit.usrn == "20501877"  # a number in this message, a string in others
    assert "traffic-sensitive" not in permit.description  # "No"
    assert "pavement" not in permit.description  # close_footway "No"


def test_the_monthly_csv_is_read_row_by_row_with_its_quirks() -> None:
    with (FIXTURES / "permits.csv").open(newline="") as handle:
        entries = list(read_csv(handle))

    assert [entry.line for entry in entries] == [2, 3, 4, 5, 6]
    assert all(isinstance(entry.result, PermitNotice) for entry in entries)
    granted, manchester, nulls, started, stopped = (entry.result for entry in entries)
    assert isinstance(granted, PermitNotice) and isinstance(started, PermitNotice)
    assert isinstance(nulls, PermitNotice) and isinstance(stopped, PermitNotice)
    assert isinstance(manchester, PermitNotice) and manchester.street == "Market Street"
    assert granted.starts_at == datetime(2025, 6, 16, 7, 30, tzinfo=UTC)
    assert started.starts_at == datetime(2025, 6, 16, 7, 38, tzinfo=UTC)
    assert started.traffic_management == "Two-way signals"
    # "NULL" everywhere, a USRN that went through a spreadsheet, dates without times: the
    # works run from the start of 18 June to the end of 20 June, London time (BST).
    assert nulls.usrn == "20501234"
    assert nulls.starts_at == datetime(2025, 6, 17, 23, 0, tzinfo=UTC)
    assert nulls.ends_at == datetime(2025, 6, 20, 23, 0, tzinfo=UTC)
    assert nulls.traffic_management == "Give and take"
    assert nulls.description.startswith("Street works by OPENREACH (BT). Minor works.")
    assert "The pavement is closed, with a walkway" in nulls.description
    assert "NULL" not in nulls.description and "traffic-sensitive" not in nulls.description
    assert stopped.stopped == "stopped"
    assert stopped.ended_at == datetime(2025, 6, 20, 15, 30, tzinfo=UTC)
    assert "The works have finished." in stopped.description


def test_kebab_case_events_offsets_and_bare_times_are_understood() -> None:
    message = _work_start()
    message["event_type"] = "work-start"
    data = message["object_data"]
    data["actual_start_date_time"] = None
    data["proposed_start_time"] = "13:50"  # as in DfT's own example
    data["proposed_end_date"] = "2025-06-27T23:59:00+01:00"

    permit = read_permit(message)

    assert permit.event_type == "WORK_START"
    # 13:50 on the London day of 2025-06-15T23:00Z (16 June), in BST.
    assert permit.starts_at == datetime(2025, 6, 16, 12, 50, tzinfo=UTC)
    assert permit.ends_at == datetime(2025, 6, 27, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"permit_reference_number": None, "object_reference": None}, "no permit_reference_number"),
        ({"permit_reference_number": "<b>x</b>"}, "not a Street Manager reference"),
        ({"works_location_coordinates": "LINESTRING(534000 16"}, "not well-known text"),
        ({"works_location_coordinates": "POINT(-0.0752 51.3975)"}, "British National Grid"),
        ({"works_location_coordinates": "MULTIPOINT((1 2), (3 4))"}, "a point, line or polygon"),
        ({"works_location_coordinates": "NULL"}, "no works_location_coordinates"),
        ({"actual_start_date_time": "16/06/2025 07:47"}, "not an ISO 8601 date"),
        ({"proposed_end_date": "2025-06-01T00:00:00Z"}, "ends before it starts"),
        ({"street_name": "  "}, "no street_name"),
        ({"object_data": None}, "no object_data"),
    ],
)
def test_a_malformed_permit_says_what_is_wrong(fields: dict[str, Any], words: str) -> None:
    message = _work_start()
    for name, value in fields.items():
        if name in message:
            message[name] = value
        else:
            message["object_data"][name] = value

    with pytest.raises(MalformedPermit) as raised:
        read_permit(message)

    assert words in raised.value.reason


def test_activities_and_refused_permits_are_not_roadworks() -> None:
    activity = _work_start()
    activity["object_type"] = "ACTIVITY"
    refused = _work_start()
    refused["event_type"] = "PERMIT_REFUSED"

    for message in (activity, refused):
        with pytest.raises(NotRoadworks):
            read_permit(message)


def test_an_envelope_that_is_not_sns_is_refused() -> None:
    for body, words in [
        ([], "JSON object"),
        ({"Type": "Notification"}, "no Message"),
        ({"Type": "Notification", "Message": "{not json"}, "not valid JSON"),
        ({"Type": "Gossip", "Message": "{}"}, "not an SNS message type"),
    ]:
        with pytest.raises(MalformedPermit) as raised:
            read_envelope(body)
        assert words in raised.value.reason


# Importing -------------------------------------------------------------------------------


def test_imported_works_are_placed_in_wgs84_on_the_high_street() -> None:
    hub = make_hub(slug="south-norwood")

    summary = service.import_permits(_permit(_started_yesterday()))

    assert summary.created == [("SGN0431276544-01", "south-norwood")]
    roadwork = _only_roadwork()
    assert roadwork.hub_id == hub.id and roadwork.source == "street_manager"
    assert roadwork.reference == "SGN0431276544-01" and roadwork.street == "High Street"
    line = to_shape(roadwork.geometry)
    assert line.geom_type == "LineString" and roadwork.geometry.srid == 4326
    # 534000.09 168253.71 on the grid is the clock tower, -0.0752 51.3975.
    start = geo.point(*line.coords[0])
    assert db.session.scalar(select(geo.distance_m(start, geo.point(*CLOCK_TOWER)))) < 2
    assert db.session.scalar(select(geo.contains(hub.boundary, roadwork.geometry)))
    assert service.in_force(hub) == [roadwork]


def test_a_permit_at_a_point_becomes_a_small_area() -> None:
    make_hub(slug="south-norwood")

    service.import_permits(_permit(_load("permit_granted.json")))

    area = _only_roadwork().geometry
    assert to_shape(area).geom_type == "Polygon"
    centre = db.session.scalar(select(geo.from_bng_wkt("POINT(533946.48 168174.41)")))
    assert db.session.scalar(select(geo.contains(area, centre)))
    edge = geo.point(*to_shape(area).exterior.coords[0])
    assert 9 < db.session.scalar(select(geo.distance_m(edge, centre))) < 11


def test_importing_the_same_permit_again_changes_nothing_and_alerts_once() -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()

    first = service.import_permits(_permit(message))
    again = service.import_permits(_permit(message))

    assert len(first.created) == 1 and again.created == []
    assert again.unchanged == [("SGN0431276544-01", "south-norwood")]
    assert _count(Roadwork) == 1
    # Started yesterday: one alert now, no reminder for the day before.
    assert _alert_jobs() == 1


def test_a_changed_permit_updates_its_works_without_a_new_alert() -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()
    service.import_permits(_permit(message))
    message["event_type"] = "PERMIT_ALTERATION_GRANTED"
    message["event_time"] = utcnow().isoformat()
    message["object_data"]["current_traffic_management_type"] = "Multi-way signals"

    summary = service.import_permits(_permit(message))

    assert summary.updated == [("SGN0431276544-01", "south-norwood")]
    assert _only_roadwork().traffic_management == "Multi-way signals"
    assert _alert_jobs() == 1


def test_work_stop_closes_the_works_so_they_leave_the_travel_page() -> None:
    hub = make_hub(slug="south-norwood")
    message = _started_yesterday()
    service.import_permits(_permit(message))
    stopped_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
    message["event_type"] = "WORK_STOP"
    message["event_time"] = utcnow().isoformat()
    message["object_data"]["actual_end_date_time"] = stopped_at.isoformat()

    summary = service.import_permits(_permit(message))
    again = service.import_permits(_permit(message))

    assert summary.closed == [("SGN0431276544-01", "south-norwood")]
    assert again.unchanged == [("SGN0431276544-01", "south-norwood")]
    roadwork = _only_roadwork()
    assert roadwork.ends_at == stopped_at
    assert service.in_force(hub) == []
    assert service.travel_news(hub).coming == []


def test_an_older_message_arriving_after_the_stop_does_not_reopen_the_works() -> None:
    make_hub(slug="south-norwood")
    start = _started_yesterday()
    stop = copy.deepcopy(start)
    stop["event_type"] = "WORK_STOP"
    stop["event_time"] = utcnow().isoformat()
    stop["object_data"]["actual_end_date_time"] = utcnow().isoformat()
    service.import_permits(_permit(stop))

    summary = service.import_permits(_permit(start))

    assert summary.unchanged == [("SGN0431276544-01", "south-norwood")]
    assert _only_roadwork().ends_at <= utcnow()


def test_a_reverted_stop_reopens_the_works() -> None:
    hub = make_hub(slug="south-norwood")
    stop = _started_yesterday()
    stop["event_type"] = "WORK_STOP"
    stop["event_time"] = (utcnow() - timedelta(hours=2)).isoformat()
    stop["object_data"]["actual_end_date_time"] = (utcnow() - timedelta(hours=2)).isoformat()
    reverted = copy.deepcopy(stop)
    reverted["event_type"] = "WORK_STOP_REVERTED"
    reverted["event_time"] = utcnow().isoformat()
    reverted["object_data"]["actual_end_date_time"] = None

    first = service.import_permits(_permit(stop))
    summary = service.import_permits(_permit(reverted))

    # First heard of when it stopped: stored, closed, and nobody alerted.
    assert first.created == [("SGN0431276544-01", "south-norwood")] and _alert_jobs() == 0
    assert summary.updated == [("SGN0431276544-01", "south-norwood")]
    assert service.in_force(hub) == [_only_roadwork()]


def test_works_near_two_hubs_are_news_for_both() -> None:
    make_hub(slug="south-norwood")
    # A second high street to the north-east: its corner is about 110 m from the works'
    # far end (-0.0735, 51.3990).
    make_hub(
        slug="norwood-junction",
        ring=[(-0.0720, 51.3992), (-0.0650, 51.3992), (-0.0650, 51.4040), (-0.0720, 51.4040)],
    )

    summary = service.import_permits(_permit(_started_yesterday()))

    assert sorted(summary.created) == [
        ("SGN0431276544-01", "norwood-junction"),
        ("SGN0431276544-01", "south-norwood"),
    ]
    assert _alert_jobs() == 2


def test_a_permit_cancelled_before_the_works_began_is_closed() -> None:
    hub = make_hub(slug="south-norwood")
    granted = _moved(_load("permit_granted.json"), "proposed_start_time", utcnow() + timedelta(3))
    service.import_permits(_permit(granted))
    cancelled = copy.deepcopy(granted)
    cancelled["event_type"] = "PERMIT_CANCELLED"
    cancelled["event_time"] = utcnow().isoformat()

    summary = service.import_permits(_permit(cancelled))

    assert summary.closed == [("BT0159876543-02", "south-norwood")]
    roadwork = _only_roadwork()
    assert roadwork.starts_at < roadwork.ends_at <= utcnow()
    assert service.travel_news(hub).coming == []


def test_a_permit_in_manchester_is_outside_every_hub_and_changes_nothing() -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()
    message["object_data"]["works_location_coordinates"] = MANCHESTER

    summary = service.import_permits(_permit(message))

    assert summary.outside == ["SGN0431276544-01"]
    assert summary.created == [] and summary.rejected == []
    assert "outside every hub" in " ".join(summary.describe())
    assert _count(Roadwork) == 0 and _alert_jobs() == 0


def test_a_permit_altered_to_somewhere_else_leaves_the_hub() -> None:
    hub = make_hub(slug="south-norwood")
    message = _started_yesterday()
    service.import_permits(_permit(message))
    message["event_type"] = "PERMIT_ALTERATION_GRANTED"
    message["event_time"] = utcnow().isoformat()
    message["object_data"]["works_location_coordinates"] = MANCHESTER

    summary = service.import_permits(_permit(message))

    assert summary.closed == [("SGN0431276544-01", "south-norwood")]
    assert service.in_force(hub) == []


def test_works_just_outside_the_boundary_are_kept_within_the_buffer() -> None:
    hub = make_hub(slug="south-norwood")
    near = _started_yesterday()
    # About 100 m east of the hub's east edge (-0.0700), then about 500 m east.
    near["object_data"]["works_location_coordinates"] = "POINT(534470 168300)"
    far = _started_yesterday()
    far["object_data"]["permit_reference_number"] = "SGN0431276545-01"
    far["object_data"]["works_location_coordinates"] = "POINT(534870 168300)"

    summary = service.import_permits([*_permit(near), *_permit(far)])

    assert summary.created == [("SGN0431276544-01", hub.slug)]
    assert summary.outside == ["SGN0431276545-01"]


def test_the_monthly_csv_creates_updates_and_closes_in_one_go() -> None:
    make_hub(slug="south-norwood")
    with (FIXTURES / "permits.csv").open(newline="") as handle:
        summary = service.import_permits(read_csv(handle), now=FIXTURE_NOW)

    assert summary.created == [
        ("TW01624531987-01", "south-norwood"),
        ("BT0161120934-01", "south-norwood"),
    ]
    assert summary.updated == [("TW01624531987-01", "south-norwood")]  # the works started
    assert summary.closed == [("TW01624531987-01", "south-norwood")]  # and stopped
    assert summary.outside == ["ENW0872213409-01"]
    assert summary.rejected == [] and summary.ignored == []
    high_street = db.session.scalars(
        select(Roadwork).where(Roadwork.reference == "TW01624531987-01")
    ).one()
    assert high_street.starts_at == datetime(2025, 6, 16, 7, 38, tzinfo=UTC)
    assert high_street.ends_at == datetime(2025, 6, 20, 15, 30, tzinfo=UTC)
    assert _count(Roadwork) == 2


def test_a_bad_row_is_reported_with_its_line_and_the_good_rows_are_kept(tmp_path: Path) -> None:
    make_hub(slug="south-norwood")
    lines = (FIXTURES / "permits.csv").read_text().splitlines()
    bad = (
        lines[3]
        .replace("POINT(533870.50 168417.23)", "POINT(533870.50)")
        .replace("BT0161120934-01", "BT0161120999-01")
    )
    path = tmp_path / "permits.csv"
    path.write_text("\n".join([*lines, bad]) + "\n")

    with path.open(newline="") as handle:
        summary = service.import_permits(read_csv(handle), now=FIXTURE_NOW)

    [problem] = summary.rejected
    assert problem.line == 7 and problem.reference == "BT0161120999-01"
    assert "not well-known text" in problem.reason
    assert len(summary.created) == 2 and _count(Roadwork) == 2
    assert "line 7 (BT0161120999-01): works_location_coordinates" in "\n".join(summary.describe())


def test_a_reference_used_by_the_hub_team_is_not_overwritten() -> None:
    hub = make_hub(slug="south-norwood")
    make_roadwork(hub=hub, reference="SGN0431276544-01", street="Typed in by hand")

    summary = service.import_permits(_permit(_started_yesterday()))

    assert summary.created == [] and len(summary.rejected) == 1
    assert "high street team" in summary.rejected[0].reason
    assert _only_roadwork().street == "Typed in by hand"


# The endpoint ----------------------------------------------------------------------------


def _post(client: FlaskClient, body: Any, **kwargs: Any) -> Any:
    headers = {"X-Townhub-Secret": SECRET, **kwargs.pop("headers", {})}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    # SNS posts its JSON as text/plain.
    return client.post(URL, data=data, content_type="text/plain", headers=headers, **kwargs)


def test_the_endpoint_is_off_without_a_secret(client: FlaskClient) -> None:
    response = client.post(URL, data=json.dumps(_started_yesterday()))

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "not switched on" in response.get_json()["detail"]


@pytest.mark.usefixtures("street_manager_on")
@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        # No secret: 401 with a Basic challenge, which SNS needs before it sends the user
        # and password of the subscription URL.
        (URL, {}, 401),
        (URL, {"X-Townhub-Secret": "guess"}, 403),
        (URL, {"X-Townhub-Secret": "é" + SECRET}, 403),
        (URL, {"X-Townhub-Secret": SECRET[:-1]}, 403),
        (f"{URL}?secret=guess", {}, 403),
        (URL, {"Authorization": "Basic " + base64.b64encode(b"sns:guess").decode()}, 403),
    ],
)
def test_a_missing_or_wrong_secret_is_refused_and_changes_nothing(
    client: FlaskClient, url: str, headers: dict[str, str], status: int
) -> None:
    make_hub(slug="south-norwood")

    response = client.post(url, data=json.dumps(_envelope(_started_yesterday())), headers=headers)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert _count(Roadwork) == 0 and _alert_jobs() == 0


@pytest.mark.usefixtures("street_manager_on")
def test_an_sns_notification_is_stored(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    response = _post(
        client,
        _envelope(_started_yesterday()),
        headers={"x-amz-sns-message-type": "Notification"},
    )

    assert response.status_code == 200
    assert response.get_json()["created"] == [
        {"reference": "SGN0431276544-01", "hub": "south-norwood"}
    ]
    assert _only_roadwork().street == "High Street"
    assert _alert_jobs() == 1


@pytest.mark.usefixtures("street_manager_on")
def test_sns_can_carry_the_secret_in_the_url_or_as_basic_authentication(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")
    basic = base64.b64encode(f"street-manager:{SECRET}".encode()).decode()

    in_url = client.post(f"{URL}?secret={SECRET}", data=json.dumps(_started_yesterday()))
    as_basic = client.post(
        URL, data=json.dumps(_started_yesterday()), headers={"Authorization": f"Basic {basic}"}
    )

    assert in_url.status_code == 200 and as_basic.status_code == 200
    assert _count(Roadwork) == 1


@pytest.mark.usefixtures("street_manager_on")
@pytest.mark.parametrize("sns_type", [None, "Notification"])  # Notification: raw delivery
def test_the_plain_message_is_stored(client: FlaskClient, sns_type: str | None) -> None:
    make_hub(slug="south-norwood")
    headers = {"x-amz-sns-message-type": sns_type} if sns_type else {}

    response = _post(client, _load("permit_granted.json"), headers=headers)

    assert response.status_code == 200
    assert _only_roadwork().reference == "BT0159876543-02"


@pytest.mark.usefixtures("street_manager_on")
def test_a_subscription_confirmation_is_logged_for_the_operator(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alembic's fileConfig (migrations/env.py, run by the session fixture) disables every
    # logger that existed before it.
    monkeypatch.setattr(logging.getLogger("townhub.roadworks.service"), "disabled", False)
    confirmation = _load("sns_subscription_confirmation.json")

    with caplog.at_level(logging.WARNING, logger="townhub.roadworks.service"):
        response = _post(
            client, confirmation, headers={"x-amz-sns-message-type": "SubscriptionConfirmation"}
        )

    assert response.status_code == 200
    assert response.get_json()["type"] == "SubscriptionConfirmation"
    assert confirmation["SubscribeURL"] in caplog.text
    assert "NOT an Amazon SNS address" not in caplog.text
    assert _count(Roadwork) == 0


@pytest.mark.usefixtures("street_manager_on")
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("{not json", 400, "not valid JSON"),
        ({"Type": "Notification", "Message": "{not json"}, 400, "Message is not valid JSON"),
        ("missing reference", 422, "no permit_reference_number"),
        ("bad location", 422, "not well-known text"),
    ],
)
def test_a_malformed_message_gets_a_clear_problem_and_changes_nothing(
    client: FlaskClient, body: Any, status: int, words: str
) -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()
    if body == "missing reference":
        del message["object_data"]["permit_reference_number"]
        del message["object_reference"]
        body = _envelope(message)
    elif body == "bad location":
        message["object_data"]["works_location_coordinates"] = "POLYGON((1 2, 3 4"
        body = _envelope(message)

    response = _post(client, body)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]
    assert _count(Roadwork) == 0 and _alert_jobs() == 0


@pytest.mark.usefixtures("street_manager_on")
def test_a_permit_in_manchester_is_answered_and_not_stored(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()
    message["object_data"]["works_location_coordinates"] = MANCHESTER

    response = _post(client, _envelope(message))

    assert response.status_code == 200
    assert response.get_json()["outside"] == ["SGN0431276544-01"]
    assert "outside every hub" in response.get_json()["detail"]
    assert _count(Roadwork) == 0 and _alert_jobs() == 0


@pytest.mark.usefixtures("street_manager_on")
def test_a_body_larger_than_any_sns_message_is_refused(client: FlaskClient) -> None:
    response = _post(client, "x" * (400 * 1024))

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.usefixtures("street_manager_on")
def test_markup_in_a_street_name_is_stored_as_text_and_shown_escaped(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")
    message = _started_yesterday()
    message["object_data"]["street_name"] = "<script>alert(1)</script> Road"
    message["object_data"]["promoter_organisation"] = '<img src=x onerror="alert(2)">'

    assert _post(client, _envelope(message)).status_code == 200
    page = client.get("/south-norwood/travel").get_data(as_text=True)

    assert _only_roadwork().street == "<script>alert(1)</script> Road"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Road" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "\\u003cscript\\u003e" in page  # the map's JSON escapes it too


# The command -----------------------------------------------------------------------------


def test_the_command_imports_csv_and_json_files(app: Flask, tmp_path: Path) -> None:
    make_hub(slug="south-norwood")
    messages = tmp_path / "messages.json"
    messages.write_text(json.dumps([_envelope(_started_yesterday()), {"not": "a permit"}]))

    result = app.test_cli_runner().invoke(
        args=[
            "roadworks",
            "import-street-manager",
            str(FIXTURES / "permits.csv"),
            str(messages),
            str(FIXTURES / "permit_granted.json"),
        ]
    )

    assert result.exit_code == 0, result.output
    assert "permits.csv:\n  Created 2," in result.output
    assert "1 permit is outside every hub: not stored." in result.output
    assert "item 2: The message has no object_data" in result.output
    references = set(db.session.scalars(select(Roadwork.reference)))
    assert references == {
        "TW01624531987-01",
        "BT0161120934-01",
        "SGN0431276544-01",
        "BT0159876543-02",
    }


def test_the_command_reports_a_file_it_cannot_read(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")

    result = app.test_cli_runner().invoke(args=["roadworks", "import-street-manager", str(broken)])

    assert "broken.json is not valid JSON." in result.output
    assert _count(Roadwork) == 0


# Settings --------------------------------------------------------------------------------


def test_production_refuses_a_short_street_manager_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(tmp_path))
    monkeypatch.setenv("VAPID_CONTACT", "mailto:streets@croydon.example.gov.uk")
    monkeypatch.setenv("MQTT_URL", "mqtt://townhub:s3cret@127.0.0.1:1883")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    init_secrets([str(tmp_path)])
    monkeypatch.setenv("STREET_MANAGER_SECRET", "street-manager")

    with pytest.raises(ConfigurationError, match="STREET_MANAGER_SECRET"):
        create_app("production")
    monkeypatch.setenv("STREET_MANAGER_SECRET", SECRET)
    assert create_app("production").config["STREET_MANAGER_SECRET"] == SECRET
