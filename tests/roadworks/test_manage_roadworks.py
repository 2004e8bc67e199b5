"""The high street team's own roadworks: posted from a phone form (the works as a line or an
area, a diversion as a line and in words), shown on the travel page and alerted once;
changed or ended early without a second alert; Street Manager's works listed but not
changed by hand; bad input and other people change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.factories import PASSWORD, make_business, make_hub, make_roadwork, make_user
from tests.support.forms import csrf_token, sign_in, submit
from townhub.accounts.models import User
from townhub.common import geo
from townhub.common.days import at_london, london_today
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job
from townhub.moderation.models import AuditEntry
from townhub.roadworks.models import Roadwork

LIST = "/manage/hubs/south-norwood/roadworks"
NEW = f"{LIST}/new"
TRAVEL = "/south-norwood/travel"
WORKS = "51.3975, -0.0752\n51.3990, -0.0735"
DIVERSION = "51.3975, -0.0752\n51.3990, -0.0770\n51.3990, -0.0735"
MANCHESTER = "53.4808, -2.2426"
# Corners of a square visited crosswise: its edges cross in the middle.
BOW_TIE = "51.3970, -0.0760\n51.3980, -0.0740\n51.3970, -0.0740\n51.3980, -0.0760"


def _edit(roadwork: Roadwork) -> str:
    return f"{LIST}/{roadwork.id}/edit"


def _form(**overrides: str) -> dict[str, str]:
    today = london_today()
    form = {
        "street": "High Street",
        "description": "Thames Water is replacing a water main. Shops stay open.",
        "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=6)).isoformat(),
        "traffic_management": "road_closed",
        "traffic_other": "",
        "works_shape": "line",
        "works_points": WORKS,
        "diversion_points": DIVERSION,
        "diversion_text": "Via Station Road and Portland Road.",
        "reference": "",
    }
    return {**form, **overrides}


def _browser(client: FlaskClient, user: User | None = None) -> FlaskClient:
    """Another browser (a checked client: each request forgets the last one's `g`), signed
    in as the user or signed out."""
    browser = client.application.test_client()
    if user is not None:
        sign_in(browser, user.email, PASSWORD)
    return browser


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def manager(client: FlaskClient, hub: Hub) -> User:
    """The hub's manager, signed in on `client`."""
    user = make_user(role="hub_manager", hubs=[hub], name="Sam Team")
    sign_in(client, user.email, PASSWORD)
    return user


def _roadworks() -> list[Roadwork]:
    return list(db.session.scalars(select(Roadwork).order_by(Roadwork.id)))


def _jobs() -> list[tuple[dict[str, Any], Any]]:
    return [(job.payload, job.run_at) for job in db.session.scalars(select(Job).order_by(Job.id))]


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _error_page(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error: " in page
    return page


@pytest.mark.usefixtures("manager")
def test_a_hub_manager_posts_roadworks_residents_see(client: FlaskClient, hub: Hub) -> None:
    make_business(hub=hub, name="Next Door Deli")

    response = submit(client, NEW, _form())

    assert response.status_code == 303 and response.headers["Location"] == LIST
    (roadwork,) = _roadworks()
    today = london_today()
    assert roadwork.hub_id == hub.id and roadwork.source == "hub"
    assert roadwork.reference == f"HUB-{today.year}-0001"
    assert (roadwork.street, roadwork.traffic_management) == ("High Street", "Road closure")
    assert roadwork.starts_at == at_london(today)
    assert roadwork.ends_at == at_london(today + timedelta(days=7))
    assert geo.shape_type(roadwork.geometry) == "LineString"
    assert geo.coordinates(roadwork.geometry) == [(-0.0752, 51.3975), (-0.0735, 51.399)]
    assert roadwork.diversion is not None
    assert geo.coordinates(roadwork.diversion) == [
        (-0.0752, 51.3975),
        (-0.077, 51.399),
        (-0.0735, 51.399),
    ]
    assert roadwork.diversion_text == "Via Station Road and Portland Road."
    # Starting today: one alert, and no "start tomorrow" reminder.
    assert [payload for payload, _run_at in _jobs()] == [{"kind": "roadwork", "id": roadwork.id}]
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_name, entry.subject_id) == (
        "roadwork_posted",
        "Sam Team",
        roadwork.id,
    )

    listing = client.get(LIST).get_data(as_text=True)
    assert "The roadworks on High Street are posted" in listing
    assert f'href="{_edit(roadwork)}"' in listing
    travel = client.get(TRAVEL).get_data(as_text=True)
    now = travel.split('id="coming-title"')[0]
    assert "Thames Water is replacing a water main." in now and "Road closure" in now
    assert "Via Station Road and Portland Road." in now and "Next Door Deli" in now
    assert '"kind": "diversion"' in travel


@pytest.mark.usefixtures("manager")
def test_works_over_an_area_starting_later_get_an_alert_and_a_reminder(
    client: FlaskClient,
) -> None:
    first = london_today() + timedelta(days=5)
    area = "51.3970, -0.0760\n51.3970, -0.0740\n51.3980, -0.0740\n51.3980, -0.0760"

    response = submit(
        client,
        NEW,
        _form(
            works_shape="area",
            works_points=area,
            first_day=first.isoformat(),
            last_day=first.isoformat(),
            diversion_points="",
            diversion_text="",
            traffic_management="other",
            traffic_other="Left turn into Station Road closed",
        ),
    )

    assert response.status_code == 303
    (roadwork,) = _roadworks()
    assert geo.shape_type(roadwork.geometry) == "Polygon"
    ring = geo.coordinates(roadwork.geometry)
    assert len(ring) == 5 and ring[0] == ring[-1] == (-0.076, 51.397)
    assert roadwork.diversion is None and roadwork.diversion_text == ""
    assert roadwork.traffic_management == "Left turn into Station Road closed"
    assert roadwork.ends_at - roadwork.starts_at == timedelta(days=1)
    assert _jobs() == [
        (
            {"kind": "roadwork", "id": roadwork.id},
            pytest.approx(utcnow(), abs=timedelta(minutes=1)),
        ),
        (
            {"kind": "roadwork", "id": roadwork.id, "reminder": True},
            roadwork.starts_at - timedelta(days=1),
        ),
    ]


@pytest.mark.usefixtures("manager")
def test_points_may_be_typed_as_people_copy_them(client: FlaskClient) -> None:
    typed = "(51.3975,-0.0752)\n\n  51.3990   \u22120.0735  \n"

    assert submit(client, NEW, _form(works_points=typed)).status_code == 303

    (roadwork,) = _roadworks()
    assert geo.coordinates(roadwork.geometry) == [(-0.0752, 51.3975), (-0.0735, 51.399)]


@pytest.mark.usefixtures("manager")
def test_references_are_made_in_turn_or_kept_as_typed(client: FlaskClient, hub: Hub) -> None:
    year = london_today().year
    make_roadwork(hub=make_hub(slug="purley"), reference=f"HUB-{year}-0007")

    for reference in ("", "", "LB901-SN-2026-0412", ""):
        assert submit(client, NEW, _form(reference=reference)).status_code == 303

    assert [roadwork.reference for roadwork in _roadworks()][1:] == [
        f"HUB-{year}-0001",
        f"HUB-{year}-0002",
        "LB901-SN-2026-0412",
        f"HUB-{year}-0003",
    ]


@pytest.mark.usefixtures("manager")
def test_a_reference_already_used_on_the_hub_is_refused_clearly(
    client: FlaskClient, hub: Hub
) -> None:
    make_roadwork(hub=hub, reference="LB901-SN-2026-0412", source="street_manager")
    before = _count(Roadwork)

    response = submit(client, NEW, _form(reference="lb901-sn-2026-0412", street="Station Road"))

    page = _error_page(response)
    assert (
        "Other roadworks on this high street already use the reference lb901-sn-2026-0412." in page
    )
    assert 'href="#reference"' in page and 'value="Station Road"' in page
    assert _count(Roadwork) == before and _jobs() == []


@pytest.mark.usefixtures("manager")
def test_the_preview_shows_the_works_as_residents_will_and_stores_nothing(
    client: FlaskClient,
) -> None:
    response = submit(client, NEW, {**_form(street="Portland Road"), "preview": "y"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" not in page
    preview = page.split('id="preview"')[1].split("</section>")[0]
    assert "Portland Road" in preview and "Road closure" in preview
    assert "Via Station Road and Portland Road." in preview
    assert 'id="preview-map-data"' in preview and '"kind": "roadwork"' in preview
    # The form is still filled in, ready to post.
    assert 'value="Portland Road"' in page and "51.3990, -0.0735</textarea>" in page
    assert _roadworks() == [] and _jobs() == []


@pytest.mark.usefixtures("manager")
def test_the_preview_checks_the_works_too(client: FlaskClient) -> None:
    response = submit(
        client, NEW, {**_form(works_points=f"51.3975, -0.0752\n{MANCHESTER}"), "preview": "y"}
    )

    page = _error_page(response)
    assert 'id="preview"' not in page and "Line 2 of the points along the works" in page


LONG = "x" * 1001


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"street": ""}, "street", "Enter the street"),
        ({"street": "x" * 121}, "street", "The street must be 120 characters or fewer"),
        ({"description": "  "}, "description", "Enter what is happening"),
        (
            {"description": LONG},
            "description",
            "Keep what is happening to 1,000 characters or fewer",
        ),
        ({"first_day": "next tuesday"}, "first_day", "Enter the first day, like 2026-11-28"),
        ({"last_day": ""}, "last_day", "Enter the last day, like 2026-12-05"),
        ({"last_day": "2020-01-01"}, "last_day", "The last day must be today or later"),
        ({"first_day": "2099-01-01"}, "first_day", "The first day must be within the next year"),
        ({"traffic_management": ""}, "traffic_management", "Choose what happens to traffic"),
        (
            {"traffic_management": "potholes"},
            "traffic_management",
            "Choose what happens to traffic",
        ),
        ({"traffic_management": "other"}, "traffic_other", "Say what else happens to traffic"),
        (
            {"traffic_management": "other", "traffic_other": "x" * 121},
            "traffic_other",
            "Say what happens to traffic in 120 characters or fewer",
        ),
        ({"works_shape": "circle"}, "works_shape", "Choose a line or an area"),
        (
            {"works_points": " \n "},
            "works_points",
            "Enter the points along the works, or draw them on the map",
        ),
        (
            {"works_points": "51.3975, -0.0752"},
            "works_points",
            "A line needs at least 2 points: where the works start and end",
        ),
        (
            {"works_shape": "area", "works_points": WORKS},
            "works_points",
            "An area needs at least 3 points along its edge",
        ),
        (
            {"works_points": f"51.3975, -0.0752\n\n{MANCHESTER}"},
            "works_points",
            "Line 3 of the points along the works (53.4808, -2.2426) is more than 500 metres"
            " from South Norwood.",
        ),
        (
            {"works_points": "51.3975, -0.0752\n48.8566, 2.3522"},
            "works_points",
            "Line 2 of the points along the works is outside the United Kingdom.",
        ),
        (
            {"works_points": "-0.0752, 51.3975\n51.3990, -0.0735"},
            "works_points",
            "Line 1 of the points along the works has the longitude first. Write the latitude"
            " first: 51.3975, -0.0752",
        ),
        (
            {"works_points": "51.3975, -0.0752\nthe clock tower"},
            "works_points",
            "Line 2 of the points along the works is not a latitude and a longitude.",
        ),
        (
            {"works_points": "51.3975, -0.0752\n" * 201},
            "works_points",
            "Use 200 points or fewer along the works: there are 201",
        ),
        (
            {"works_points": "51.3975, -0.0752\n" * 2},
            "works_points",
            "The points along the works are all in the same place.",
        ),
        (
            {"works_shape": "area", "works_points": BOW_TIE},
            "works_points",
            "The edges of the area cross each other.",
        ),
        (
            {"diversion_points": "51.3975, -0.0752"},
            "diversion_points",
            "A diversion needs at least 2 points",
        ),
        (
            {"diversion_points": f"51.3975, -0.0752\n{MANCHESTER}"},
            "diversion_points",
            "Line 2 of the points along the diversion (53.4808, -2.2426) is more than 2 km",
        ),
        (
            {"diversion_text": ""},
            "diversion_text",
            "Say where the diversion goes, like: Follow the signs via Station Road",
        ),
        (
            {"diversion_text": LONG},
            "diversion_text",
            "Keep the diversion to 1,000 characters or fewer",
        ),
        ({"reference": "x" * 61}, "reference", "The reference must be 60 characters or fewer"),
    ],
)
@pytest.mark.usefixtures("manager")
def test_bad_roadworks_show_errors_at_the_fields_and_store_nothing(
    client: FlaskClient, bad: dict[str, str], field: str, message: str
) -> None:
    response = submit(client, NEW, _form(**bad))

    page = _error_page(response)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert f'href="#{field}"' in summary and message in summary
    at_field = page.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert message in at_field
    # What was typed is kept.
    assert "Thames Water is replacing a water main." in page
    assert _roadworks() == [] and _jobs() == []


@pytest.mark.usefixtures("manager")
def test_every_problem_shows_at_once_in_the_order_of_the_form(
    client: FlaskClient, hub: Hub
) -> None:
    make_roadwork(hub=hub, reference="SN-1")

    response = submit(
        client,
        NEW,
        _form(
            street="",
            works_points=f"51.3975, -0.0752\n{MANCHESTER}",
            diversion_text="",
            reference="SN-1",
        ),
    )

    page = _error_page(response)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'href="#(\w+)"', summary) == [
        "street",
        "works_points",
        "diversion_text",
        "reference",
    ]


@pytest.mark.usefixtures("manager")
def test_a_diversion_in_words_alone_is_fine(client: FlaskClient) -> None:
    response = submit(client, NEW, _form(diversion_points="", diversion_text="Use Station Road."))

    assert response.status_code == 303
    assert _roadworks()[0].diversion is None


@pytest.mark.usefixtures("manager")
def test_what_a_manager_types_is_stored_as_text_and_shown_escaped(
    client: FlaskClient,
) -> None:
    script = "<script>alert(1)</script>"

    response = submit(
        client,
        NEW,
        _form(
            street=f"{script} Road",
            description=f"{script} works",
            traffic_management="other",
            traffic_other=f"{script} lights",
            diversion_text=f"{script} via Station Road",
            reference=f"{script}",
        ),
    )

    assert response.status_code == 303
    (roadwork,) = _roadworks()
    assert roadwork.street == f"{script} Road" and roadwork.reference == script
    assert roadwork.traffic_management == f"{script} lights"
    assert roadwork.diversion_text == f"{script} via Station Road"
    for path in (TRAVEL, LIST, _edit(roadwork)):
        page = client.get(path).get_data(as_text=True)
        assert script not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_a_manager_changes_works_without_a_second_alert(
    client: FlaskClient, hub: Hub, manager: User
) -> None:
    assert submit(client, NEW, _form()).status_code == 303
    (roadwork,) = _roadworks()
    jobs = _jobs()

    form = client.get(_edit(roadwork)).get_data(as_text=True)
    assert 'value="High Street"' in form and "51.3975, -0.0752\n51.399, -0.0735</textarea>" in form
    assert re.search(r'<input checked [^>]*value="road_closed"', form)
    changed = _form(
        street="High Street (north end)",
        traffic_management="traffic_lights",
        works_shape="area",
        works_points="51.3970, -0.0760\n51.3970, -0.0740\n51.3980, -0.0740",
        diversion_points="",
        diversion_text="",
        reference=roadwork.reference,
    )
    response = submit(client, _edit(roadwork), changed)

    assert response.status_code == 303 and response.headers["Location"] == LIST
    db.session.refresh(roadwork)
    assert roadwork.street == "High Street (north end)"
    assert roadwork.traffic_management == "Temporary traffic lights"
    assert geo.shape_type(roadwork.geometry) == "Polygon" and roadwork.diversion is None
    assert _jobs() == jobs  # no second alert
    assert "The changes to the roadworks on High Street (north end) are saved." in (
        client.get(LIST).get_data(as_text=True)
    )
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["roadwork_posted", "roadwork_changed"]


@pytest.mark.usefixtures("manager")
def test_moving_the_first_day_moves_the_reminder_and_sends_nothing_new(
    client: FlaskClient,
) -> None:
    first = london_today() + timedelta(days=5)
    dates = {"first_day": first.isoformat(), "last_day": (first + timedelta(days=3)).isoformat()}
    assert submit(client, NEW, _form(**dates)).status_code == 303
    (roadwork,) = _roadworks()

    later = first + timedelta(days=2)
    response = submit(
        client,
        _edit(roadwork),
        _form(first_day=later.isoformat(), last_day=(later + timedelta(days=3)).isoformat()),
    )

    assert response.status_code == 303
    reminders = [run_at for payload, run_at in _jobs() if payload.get("reminder")]
    assert reminders == [at_london(later) - timedelta(days=1)]
    assert len(_jobs()) == 2


@pytest.mark.usefixtures("manager")
def test_a_manager_ends_works_early(client: FlaskClient) -> None:
    assert submit(client, NEW, _form()).status_code == 303
    (roadwork,) = _roadworks()
    jobs = _jobs()
    edit = _edit(roadwork)

    response = client.post(edit, data={"end-csrf_token": csrf_token(client, edit), "end-end": "y"})

    assert response.status_code == 303 and response.headers["Location"] == LIST
    db.session.refresh(roadwork)
    assert roadwork.ends_at <= utcnow() and roadwork.starts_at < roadwork.ends_at
    assert _jobs() == jobs
    listing = client.get(LIST).get_data(as_text=True)
    assert "The roadworks on High Street have ended." in listing
    assert f'href="{edit}"' not in listing
    assert "High Street" not in client.get(TRAVEL).get_data(as_text=True).split("<main")[1]
    # Fixing a word later does not bring them back.
    page = client.get(edit).get_data(as_text=True)
    assert "These roadworks have ended" in page and "Finished early?" not in page
    ended_at = roadwork.ends_at
    values = _form(
        description="Water main replaced.",
        first_day=london_today().isoformat(),
        last_day=london_today().isoformat(),
    )
    assert submit(client, edit, values).status_code == 303
    db.session.refresh(roadwork)
    assert roadwork.description == "Water main replaced." and roadwork.ends_at == ended_at


@pytest.mark.usefixtures("manager")
def test_the_list_shows_current_and_coming_works_and_street_managers_are_not_editable(
    client: FlaskClient, hub: Hub
) -> None:
    now = utcnow()
    by_hand = make_roadwork(hub=hub, street="Station Road", source="hub")
    imported = make_roadwork(
        hub=hub,
        street="Portland Road",
        source="street_manager",
        starts_at=now + timedelta(days=40),
        ends_at=now + timedelta(days=50),
    )
    make_roadwork(hub=hub, street="Finished Lane", starts_at=now - timedelta(days=9), ends_at=now)
    make_roadwork(hub=make_hub(slug="purley"), street="Brighton Road")

    page = client.get(LIST).get_data(as_text=True)

    now_part, coming = page.split('id="coming-title"')
    assert "Station Road" in now_part and "Portland Road" in coming
    assert "Finished Lane" not in page and "Brighton Road" not in page
    assert f'href="{_edit(by_hand)}"' in page and f'href="{_edit(imported)}"' not in page
    assert "From Street Manager: the company doing the works changes them there" in coming

    response = client.get(_edit(imported))
    assert response.status_code == 403
    assert "These roadworks come from Street Manager." in response.get_data(as_text=True)
    response = submit(client, _edit(by_hand), _form())
    assert response.status_code == 303
    edit_imported = client.post(
        _edit(imported), data={**_form(), "csrf_token": csrf_token(client, LIST)}
    )
    assert edit_imported.status_code == 403
    db.session.refresh(imported)
    assert imported.street == "Portland Road"


@pytest.mark.usefixtures("manager")
def test_unknown_hubs_and_other_hubs_roadworks_are_not_found(client: FlaskClient) -> None:
    elsewhere = make_roadwork(hub=make_hub(slug="purley"))

    assert client.get("/manage/hubs/atlantis/roadworks").status_code == 404
    assert client.get("/manage/hubs/atlantis/roadworks/new").status_code == 404
    assert client.get(_edit(elsewhere)).status_code == 404
    assert client.get(f"{LIST}/999999/edit").status_code == 404


def test_only_the_hubs_managers_and_the_council_may_post_or_change(
    client: FlaskClient, hub: Hub
) -> None:
    roadwork = make_roadwork(hub=hub, street="Station Road", source="hub")
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    owner = make_user(businesses=[make_business(hub=hub)])
    admin = make_user(role="council_admin")

    signed_out = _browser(client)
    for path in (LIST, NEW, _edit(roadwork)):
        response = signed_out.get(path)
        assert response.status_code == 302 and "/manage/sign-in" in response.headers["Location"]
    for user in (other_manager, owner):
        browser = _browser(client, user)
        token = csrf_token(browser, "/manage/sign-in")
        for path in (LIST, NEW, _edit(roadwork)):
            assert browser.get(path).status_code == 403, path
        assert browser.post(NEW, data={**_form(), "csrf_token": token}).status_code == 403
        changed = {**_form(street="Hacked Road"), "csrf_token": token}
        assert browser.post(_edit(roadwork), data=changed).status_code == 403
        ending = {"end-csrf_token": token, "end-end": "y"}
        assert browser.post(_edit(roadwork), data=ending).status_code == 403
    db.session.refresh(roadwork)
    assert roadwork.street == "Station Road" and roadwork.ends_at > utcnow()
    assert _count(Roadwork) == 1 and _jobs() == []

    council = _browser(client, admin)
    assert council.get(LIST).status_code == 200
    assert submit(council, NEW, _form()).status_code == 303
    assert submit(council, _edit(roadwork), _form(street="Station Road east")).status_code == 303
    assert _count(Roadwork) == 2


@pytest.mark.usefixtures("manager")
def test_posting_needs_the_forms_csrf_token(client: FlaskClient, hub: Hub) -> None:
    roadwork = make_roadwork(hub=hub, source="hub", street="Station Road")

    assert client.post(NEW, data=_form()).status_code == 400
    assert client.post(_edit(roadwork), data=_form(street="Forged Road")).status_code == 400
    assert client.post(_edit(roadwork), data={"end-end": "y"}).status_code == 400

    db.session.refresh(roadwork)
    assert roadwork.street == "Station Road" and roadwork.ends_at > utcnow()
    assert _count(Roadwork) == 1 and _jobs() == []


@pytest.mark.usefixtures("manager")
def test_the_form_brings_its_map_script_and_help_and_the_list_links_to_it(
    client: FlaskClient,
) -> None:
    page = client.get(NEW).get_data(as_text=True)

    assert "/static/js/roadwork_form." in page and 'id="roadwork-map-data"' in page
    assert "<summary>How to draw the works</summary>" in page
    # The map and its buttons are hidden until the script draws the map.
    assert re.search(r'<div class="draw" data-draw hidden>', page)
    assert f'href="{NEW}"' in client.get(LIST).get_data(as_text=True)
