"""The onboarding tracker: the high street team lists every business on the street, writes
down visits and next steps, and sees how far the hub is from its target of active
businesses. Statuses "invited" and "active" come from real owners and invites."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import CheckedClient
from tests.factories import (
    PASSWORD,
    make_business,
    make_hub,
    make_tracked,
    make_user,
    make_visit_note,
)
from tests.support.forms import csrf_token, sign_in, submit
from townhub.accounts.models import Invite, User
from townhub.businesses.models import Business
from townhub.common.days import london_today
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.tracker import service
from townhub.tracker.models import TrackedBusiness, VisitNote

TRACKER = "/manage/hubs/south-norwood/tracker"
NEW = f"{TRACKER}/new"


def _forget_last_request() -> None:
    """Requests in a test share its app context, so `g` would keep the last request's
    user, CSRF token and language: forget them, as a new request would."""
    for name in list(g):
        g.pop(name)


def _browser(app: Flask) -> FlaskClient:
    """A new browser whose every HTML page is checked."""
    _forget_last_request()
    app.test_client_class = CheckedClient
    return app.test_client()


def _signed_in(app: Flask, user: User) -> FlaskClient:
    client = _browser(app)
    sign_in(client, user.email, PASSWORD)
    return client


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def manager(hub: Hub) -> User:
    return make_user(role="hub_manager", hubs=[hub], name="Ada Team")


@pytest.fixture
def client(app: Flask, manager: User) -> FlaskClient:
    """A hub manager's phone, signed in."""
    return _signed_in(app, manager)


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Norwood Fish Bar",
        "address": "40 High Street, London SE25 6EB",
        "category": "food-and-drink",
        "status": "not_contacted",
        "next_step": "Drop in before the lunch rush",
        "next_step_on": (london_today() + timedelta(days=2)).isoformat(),
        "handled_by": "",
    }
    return {**form, **overrides}


def _note(**overrides: str) -> dict[str, str]:
    form = {
        "visited_on": london_today().isoformat(),
        "note": "Owner busy on Saturdays; come back Tuesday morning.",
        "status": "visited",
        "next_step": "Show the owner the hub on a phone",
        "next_step_on": (london_today() + timedelta(days=4)).isoformat(),
    }
    return {**form, **overrides}


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _names_in_order(page: str) -> list[str]:
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', page)


def _owner(business: Business, *, password: bool = True, **overrides: Any) -> User:
    owner = make_user(businesses=[business], **overrides)
    if not password:
        owner.password_hash = None
        db.session.flush()
    return owner


def _invite(user: User, *, purpose: str = "invite", **overrides: Any) -> Invite:
    values: dict[str, Any] = {
        "token_hash": hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        "user_id": user.id,
        "purpose": purpose,
        "expires_at": utcnow() + timedelta(days=7),
    }
    invite = Invite(**{**values, **overrides})
    db.session.add(invite)
    db.session.flush()
    return invite


def _statuses(hub: Hub) -> dict[str, str]:
    return {row.name: row.status for row in service.tracker(hub, target=20).rows}


# Adding a business


def test_a_manager_adds_a_business_not_yet_on_townhub(client: FlaskClient, hub: Hub) -> None:
    response = submit(client, NEW, _form())

    assert response.status_code == 303
    entry = db.session.scalars(select(TrackedBusiness)).one()
    assert response.headers["Location"] == f"{TRACKER}/{entry.id}"
    assert (entry.hub_id, entry.name, entry.category, entry.status, entry.business_id) == (
        hub.id,
        "Norwood Fish Bar",
        "food-and-drink",
        "not_contacted",
        None,
    )
    assert entry.next_step_on == london_today() + timedelta(days=2)
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Norwood Fish Bar” is on the tracker." in details
    assert "40 High Street, London SE25 6EB" in details
    assert "Drop in before the lunch rush" in details
    listing = client.get(TRACKER).get_data(as_text=True)
    assert "Norwood Fish Bar" in listing and "Not contacted" in listing


def test_the_form_is_plain_and_has_no_status_a_team_cannot_set(client: FlaskClient) -> None:
    page = client.get(NEW).get_data(as_text=True)

    assert "<h1>Add a business to the South Norwood tracker</h1>" in page
    for field in ("name", "address", "category", "next_step", "next_step_on", "handled_by"):
        assert f'for="{field}"' in page
    assert re.search(r'<input checked[^>]*value="not_contacted"', page)
    assert 'value="invited"' not in page and 'value="active"' not in page
    assert 'id="next_step_on-hint"' in page


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"name": ""}, "Enter the name of the business"),
        ({"name": "   "}, "Enter the name of the business"),
        ({"name": "x" * 300}, "The name must be 120 characters or fewer"),
        ({"address": ""}, "Enter the address"),
        ({"category": "bakery"}, "Choose a category from the list"),
        ({"category": ""}, "Choose a category from the list"),
        ({"status": "active"}, "Choose a status from the list"),
        ({"next_step_on": "1999-05-01"}, "The date of the next step must be today or later"),
        ({"next_step_on": "next tuesday"}, "Enter a real date for the next step, like 2026-11-28"),
        ({"next_step_on": "2999-01-01"}, "The date of the next step must be within the next year"),
        ({"next_step": "x" * 201}, "The next step must be 200 characters or fewer"),
        ({"handled_by": "999999"}, "Choose someone from the list"),
    ],
)
def test_bad_input_shows_errors_keeps_the_input_and_adds_nothing(
    client: FlaskClient, bad: dict[str, str], message: str
) -> None:
    response = submit(client, NEW, _form(**{"next_step": "Bring a leaflet", **bad}))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and page.count(message) == 2  # summary and field
    assert re.search(r'<a href="#\w+">' + re.escape(message), page)
    assert "<title>Error: " in page
    if "next_step" not in bad:
        assert 'value="Bring a leaflet"' in page  # what was typed is kept
    assert _count(TrackedBusiness) == 0


def test_everything_typed_is_shown_as_text(client: FlaskClient, hub: Hub) -> None:
    script = "<script>alert(1)</script>"
    response = submit(
        client, NEW, _form(name=f"Shop {script}", address=f"1 {script} Road", next_step=script)
    )
    entry_page = response.headers["Location"]
    noted = client.post(
        f"{entry_page}/notes",
        data={"csrf_token": csrf_token(client, entry_page), **_note(note=f"Said {script}")},
    )
    assert noted.status_code == 303

    for path in (TRACKER, entry_page, f"{entry_page}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert script not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    details = client.get(entry_page).get_data(as_text=True)
    assert "Said &lt;script&gt;" in details
    assert "1 &lt;script&gt;alert(1)&lt;/script&gt; Road" in details


def test_a_team_member_can_be_handling_it(client: FlaskClient, hub: Hub, manager: User) -> None:
    admin = make_user(role="council_admin", name="Cleo Council")
    make_user(role="hub_manager", hubs=[make_hub(slug="purley")], name="Other Hub Person")

    page = client.get(NEW).get_data(as_text=True)
    assert "Ada Team" in page and "Cleo Council" in page and "Other Hub Person" not in page

    response = submit(client, NEW, _form(handled_by=str(admin.id)))
    assert response.status_code == 303
    assert db.session.scalars(select(TrackedBusiness)).one().handled_by_id == admin.id
    assert "Cleo Council" in client.get(response.headers["Location"]).get_data(as_text=True)


# Visit notes and status


def test_a_visit_note_is_saved_and_moves_the_next_step(client: FlaskClient, hub: Hub) -> None:
    entry = make_tracked(hub=hub, name="Portland Road Launderette", next_step="First visit")
    path = f"{TRACKER}/{entry.id}"

    form_page = client.get(path).get_data(as_text=True)
    assert re.search(f'name="visited_on"[^>]* type="date" value="{london_today()}"', form_page)
    # After a visit it is no longer "not contacted".
    assert re.search(r'<input checked[^>]*value="visited"', form_page)
    assert 'value="First visit"' in form_page

    response = client.post(
        f"{path}/notes", data={"csrf_token": csrf_token(client, path), **_note()}
    )

    assert response.status_code == 303 and response.headers["Location"] == path
    visit = db.session.scalars(select(VisitNote)).one()
    assert (visit.tracked_business_id, visit.visited_on) == (entry.id, london_today())
    assert visit.author_id is not None
    db.session.refresh(entry)
    assert entry.status == "visited"
    assert entry.next_step == "Show the owner the hub on a phone"
    assert entry.next_step_on == london_today() + timedelta(days=4)
    page = client.get(path).get_data(as_text=True)
    assert "Owner busy on Saturdays; come back Tuesday morning." in page and "By Ada Team" in page
    listing = client.get(TRACKER).get_data(as_text=True)
    assert "Last visit " + london_today().strftime("%-d %b %Y") in listing


def test_visit_notes_are_listed_newest_first(client: FlaskClient, hub: Hub) -> None:
    entry = make_tracked(hub=hub)
    today = london_today()
    make_visit_note(entry=entry, visited_on=today - timedelta(days=20), note="First call")
    make_visit_note(entry=entry, visited_on=today - timedelta(days=2), note="Third call")
    make_visit_note(entry=entry, visited_on=today - timedelta(days=9), note="Second call")

    page = client.get(f"{TRACKER}/{entry.id}").get_data(as_text=True)

    assert page.index("Third call") < page.index("Second call") < page.index("First call")


def test_a_visit_note_can_clear_the_next_step_and_change_the_status(
    client: FlaskClient, hub: Hub
) -> None:
    entry = make_tracked(
        hub=hub, status="visited", next_step="Call back", next_step_on=london_today()
    )
    path = f"{TRACKER}/{entry.id}"

    response = client.post(
        f"{path}/notes",
        data={
            "csrf_token": csrf_token(client, path),
            **_note(note="Not interested this year.", status="declined"),
            "next_step": "",
            "next_step_on": "",
        },
    )

    assert response.status_code == 303
    db.session.refresh(entry)
    assert (entry.status, entry.next_step, entry.next_step_on) == ("declined", "", None)
    assert "Said no for now" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"note": " "}, "Enter what happened on the visit"),
        ({"note": "x" * 2001}, "Keep the note to 2,000 characters or fewer"),
        ({"visited_on": ""}, "Enter the date of the visit, like 2026-11-28"),
        ({"visited_on": "yesterday"}, "Enter the date of the visit, like 2026-11-28"),
        ({"visited_on": "2999-01-01"}, "The date of the visit must be today or earlier"),
        ({"visited_on": "1999-01-01"}, "The date of the visit must be in the last five years"),
        ({"next_step_on": "1999-05-01"}, "The date of the next step must be today or later"),
        ({"status": "active"}, "Choose a status from the list"),
    ],
)
def test_a_bad_visit_note_shows_errors_and_changes_nothing(
    client: FlaskClient, hub: Hub, bad: dict[str, str], message: str
) -> None:
    entry = make_tracked(hub=hub, next_step="Call back")
    path = f"{TRACKER}/{entry.id}"

    response = client.post(
        f"{path}/notes",
        data={"csrf_token": csrf_token(client, path), **_note(next_step="Typed step", **bad)},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert 'value="Typed step"' in page
    assert _count(VisitNote) == 0
    db.session.refresh(entry)
    assert (entry.status, entry.next_step) == ("not_contacted", "Call back")


def test_the_details_and_status_are_changed_on_the_edit_page(client: FlaskClient, hub: Hub) -> None:
    overdue = london_today() - timedelta(days=3)
    entry = make_tracked(hub=hub, name="Old Name", next_step="Call", next_step_on=overdue)
    path = f"{TRACKER}/{entry.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Old Name"' in page and f'value="{overdue.isoformat()}"' in page

    # An overdue next step may stay while other things change; a new past date may not.
    response = submit(
        client,
        path,
        _form(name="New Name", status="declined", next_step_on=overdue.isoformat()),
    )
    assert response.status_code == 303
    db.session.refresh(entry)
    assert (entry.name, entry.status, entry.next_step_on) == ("New Name", "declined", overdue)

    earlier = (overdue - timedelta(days=1)).isoformat()
    response = submit(client, path, _form(next_step_on=earlier))
    assert response.status_code == 200
    assert "The date of the next step must be today or later" in response.get_data(as_text=True)


# Statuses from owners and invites


def test_invited_and_active_come_from_real_owners_and_invites(hub: Hub) -> None:
    def tracked(name: str, status: str = "approved") -> Business:
        business = make_business(hub=hub, name=name, status=status)
        make_tracked(hub=hub, name=name, business_id=business.id, status="visited")
        return business

    _owner(tracked("Signed in, approved"))
    _owner(tracked("Signed in, waiting for approval", status="pending"))
    _owner(tracked("Owner without a password"), password=False)
    _invite(_owner(tracked("Open invite", status="pending")))
    _invite(
        _owner(tracked("Expired invite", status="pending")),
        expires_at=utcnow() - timedelta(minutes=1),
    )
    _invite(_owner(tracked("Used invite", status="pending")), used_at=utcnow())
    _invite(_owner(tracked("Reset link only", status="pending")), purpose="reset")
    tracked("No owner yet")
    # One owner signed in and one still invited: active.
    both = tracked("Two owners")
    _owner(both)
    _owner(both, password=False)
    make_tracked(hub=hub, name="Not on Townhub", status="declined")

    assert _statuses(hub) == {
        "Signed in, approved": "active",
        "Signed in, waiting for approval": "visited",
        "Owner without a password": "invited",
        "Open invite": "invited",
        "Expired invite": "visited",
        "Used invite": "visited",
        "Reset link only": "visited",
        "No owner yet": "visited",
        "Two owners": "active",
        "Not on Townhub": "declined",
    }


def test_the_details_page_explains_a_worked_out_status(client: FlaskClient, hub: Hub) -> None:
    business = make_business(hub=hub, name="Invited Shop", status="pending")
    _invite(_owner(business))
    entry = make_tracked(hub=hub, name="Invited Shop", business_id=business.id)

    page = client.get(f"{TRACKER}/{entry.id}").get_data(as_text=True)

    assert "Invited" in page and "has an invitation to Townhub" in page
    assert "Yes, waiting for approval" in page


def test_progress_counts_active_businesses_against_the_target(
    app: Flask, client: FlaskClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(2):
        _owner(make_business(hub=hub, name=f"Active {n}"))
    _owner(make_business(hub=hub, name="Invited"), password=False)
    make_tracked(hub=hub, status="visited")
    make_business(hub=make_hub(slug="purley"), name="Elsewhere")  # another hub's

    page = client.get(TRACKER).get_data(as_text=True)
    assert "2 of 20 active businesses" in page and "18 more businesses to go." in page
    assert '<progress class="progress" max="20" value="2"' in page
    counts = dict(
        re.findall(r'status=(\w+)">[^<]+</a></th>\s*<td class="numeric">(\d+)</td>', page)
    )
    assert counts == {
        "not_contacted": "0",
        "visited": "1",
        "invited": "1",
        "active": "2",
        "declined": "0",
    }

    hub.target_businesses = 2
    db.session.flush()
    page = client.get(TRACKER).get_data(as_text=True)
    assert "2 of 2 active businesses" in page and "The target is reached." in page


# The list


def test_whom_to_visit_next_comes_first(client: FlaskClient, hub: Hub) -> None:
    today = london_today()
    make_tracked(hub=hub, name="Declined", status="declined")
    make_tracked(hub=hub, name="Visited, no date", status="visited", next_step="Wait")
    make_tracked(hub=hub, name="Later", status="visited", next_step_on=today + timedelta(days=5))
    make_tracked(hub=hub, name="Zed not contacted")
    make_tracked(hub=hub, name="Due today", status="visited", next_step_on=today)
    make_tracked(hub=hub, name="Alpha not contacted")
    make_tracked(hub=hub, name="Overdue", status="visited", next_step_on=today - timedelta(days=3))
    _owner(make_business(hub=hub, name="Active"))

    names = _names_in_order(client.get(TRACKER).get_data(as_text=True))

    assert names == [
        "Overdue",
        "Due today",
        "Alpha not contacted",
        "Zed not contacted",
        "Later",
        "Visited, no date",
        "Active",
        "Declined",
    ]


def test_the_list_filters_by_status_without_javascript(client: FlaskClient, hub: Hub) -> None:
    make_tracked(hub=hub, name="Visited One", status="visited")
    make_tracked(hub=hub, name="Fresh One")
    _owner(make_business(hub=hub, name="Active One"))

    visited = client.get(f"{TRACKER}?status=visited")
    active = client.get(f"{TRACKER}?status=active")
    everything = client.get(f"{TRACKER}?status=")

    assert _names_in_order(visited.get_data(as_text=True)) == ["Visited One"]
    assert "1 business “Visited”" in visited.get_data(as_text=True)
    assert 'option selected value="visited"' in visited.get_data(as_text=True)
    assert _names_in_order(active.get_data(as_text=True)) == ["Active One"]
    assert len(_names_in_order(everything.get_data(as_text=True))) == 3


def test_a_bad_filter_gets_a_clear_message_and_the_whole_list(
    client: FlaskClient, hub: Hub
) -> None:
    make_tracked(hub=hub, name="Fresh One")

    response = client.get(f"{TRACKER}?status=<b>nonsense</b>")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "Choose a status from the list" in page
    assert '<a href="#status">' in page and "<b>nonsense</b>" not in page
    assert _names_in_order(page) == ["Fresh One"]


def test_htmx_swaps_only_the_list(client: FlaskClient, hub: Hub) -> None:
    make_tracked(hub=hub, name="Visited One", status="visited")
    make_tracked(hub=hub, name="Fresh One")
    headers = {"HX-Request": "true", "HX-Target": "tracker-entries"}

    response = client.get(f"{TRACKER}?status=visited", headers=headers)
    bad = client.get(f"{TRACKER}?status=nonsense", headers=headers)

    page = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert page.lstrip().startswith('<section id="tracker-entries"') and "<html" not in page
    assert _names_in_order(page) == ["Visited One"]
    assert bad.status_code == 400 and "Choose a status from the list" in bad.get_data(as_text=True)


# Businesses already on Townhub


def test_sync_tracks_the_hubs_businesses_once(hub: Hub) -> None:
    tracked_already = make_business(hub=hub, name="Already Tracked")
    make_tracked(hub=hub, name="Kept Name", business_id=tracked_already.id, status="visited")
    new = make_business(hub=hub, name="New On Townhub", address="3 High Street", status="pending")
    make_business(hub=make_hub(slug="purley"), name="Elsewhere")

    assert service.sync_hub(hub) == 1
    assert service.sync_hub(hub) == 0

    entries = {e.business_id: e for e in db.session.scalars(select(TrackedBusiness))}
    assert len(entries) == 2
    added = entries[new.id]
    assert (added.hub_id, added.name, added.address, added.category, added.status) == (
        hub.id,
        "New On Townhub",
        "3 High Street",
        "groceries",
        "not_contacted",
    )
    assert entries[tracked_already.id].name == "Kept Name"


def test_opening_the_tracker_lists_businesses_already_on_townhub(
    client: FlaskClient, hub: Hub
) -> None:
    make_business(hub=hub, name="Listed Bakery")

    first = _names_in_order(client.get(TRACKER).get_data(as_text=True))
    second = _names_in_order(client.get(TRACKER).get_data(as_text=True))

    assert first == second == ["Listed Bakery"]
    assert _count(TrackedBusiness) == 1


def test_link_business_for_the_invite_flow(hub: Hub) -> None:
    entry = make_tracked(hub=hub, name="Corner Café")
    make_visit_note(entry=entry, note="Keen")
    business = make_business(hub=hub, name="Corner Café")
    service.sync_hub(hub)  # picked up before the invite flow linked it
    duplicate = db.session.scalars(
        select(TrackedBusiness).where(TrackedBusiness.business_id == business.id)
    ).one()
    make_visit_note(entry=duplicate, note="Seen as new")

    assert service.entry_for(hub, entry.id) is entry
    service.link_business(entry, business)

    entries = list(db.session.scalars(select(TrackedBusiness)))
    assert [(e.id, e.business_id) for e in entries] == [(entry.id, business.id)]
    notes = db.session.scalars(select(VisitNote.note).order_by(VisitNote.id)).all()
    assert notes == ["Keen", "Seen as new"]
    assert _count(VisitNote) == 2
    with pytest.raises(service.WrongHub):
        service.link_business(make_tracked(hub=hub), make_business(hub=make_hub()))
    with pytest.raises(service.EntryNotFound):
        service.entry_for(make_hub(), entry.id)


def test_the_invite_link_shows_only_for_a_business_not_on_townhub(
    app: Flask, client: FlaskClient, hub: Hub
) -> None:
    entry = make_tracked(hub=hub)
    on_townhub = make_tracked(hub=hub, business_id=make_business(hub=hub).id)
    invite_flow = "accounts.new_business" in app.view_functions

    page = client.get(f"{TRACKER}/{entry.id}").get_data(as_text=True)
    linked = client.get(f"{TRACKER}/{on_townhub.id}").get_data(as_text=True)

    assert ("Add to Townhub and invite the owner" in page) is invite_flow
    if invite_flow:
        assert f"/manage/hubs/south-norwood/businesses/new?tracked={entry.id}" in page
    assert "Add to Townhub and invite the owner" not in linked


# Who may see and change the tracker


def _every_change(client: FlaskClient, entry: TrackedBusiness) -> list[int]:
    """Try to add, note and edit, with a valid CSRF token; the status codes."""
    token = csrf_token(client, "/manage/")  # the sign-out form's
    path = f"{TRACKER}/{entry.id}"
    return [
        client.post(NEW, data={"csrf_token": token, **_form()}).status_code,
        client.post(f"{path}/notes", data={"csrf_token": token, **_note()}).status_code,
        client.post(f"{path}/edit", data={"csrf_token": token, **_form()}).status_code,
    ]


def _snapshot() -> list[tuple[Any, ...]]:
    return [
        *db.session.execute(
            select(TrackedBusiness.name, TrackedBusiness.status, TrackedBusiness.next_step)
        ).all(),
        *db.session.execute(select(VisitNote.note)).all(),
    ]


def test_owners_and_other_hubs_managers_are_refused_and_nothing_changes(
    app: Flask, hub: Hub
) -> None:
    entry = make_tracked(hub=hub, name="Untouched", next_step="Same")
    before = _snapshot()
    owner = make_user(businesses=[make_business(hub=hub)])
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])

    for user in (owner, other_manager):
        browser = _signed_in(app, user)
        for path in (TRACKER, NEW, f"{TRACKER}/{entry.id}", f"{TRACKER}/{entry.id}/edit"):
            response = browser.get(path)
            assert response.status_code == 403, path
            assert "Only this hub&#39;s managers" in response.get_data(as_text=True)
        assert _every_change(browser, entry) == [403, 403, 403]
    assert _snapshot() == before
    assert _count(TrackedBusiness) == 1  # not even the owner's business was tracked


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, hub: Hub) -> None:
    entry = make_tracked(hub=hub)
    browser = _browser(app)

    for path in (TRACKER, NEW, f"{TRACKER}/{entry.id}", f"{TRACKER}/{entry.id}/edit"):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/manage/sign-in")
    response = browser.post(f"{TRACKER}/{entry.id}/notes", data=_note())
    assert response.status_code in {302, 400}
    assert _count(VisitNote) == 0


def test_a_council_admin_runs_every_hubs_tracker(app: Flask, hub: Hub) -> None:
    entry = make_tracked(hub=hub)
    browser = _signed_in(app, make_user(role="council_admin"))

    assert browser.get(TRACKER).status_code == 200
    assert submit(browser, NEW, _form()).status_code == 303
    path = f"{TRACKER}/{entry.id}"
    response = browser.post(
        f"{path}/notes", data={"csrf_token": csrf_token(browser, path), **_note()}
    )
    assert response.status_code == 303
    assert submit(browser, f"{path}/edit", _form(name="Renamed")).status_code == 303


def test_unknown_hubs_and_other_hubs_entries_are_not_found(client: FlaskClient, hub: Hub) -> None:
    elsewhere = make_tracked(hub=make_hub(slug="purley"), name="Purley Shop")
    path = f"{TRACKER}/{elsewhere.id}"

    assert client.get("/manage/hubs/nowhere/tracker").status_code == 404
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/edit").status_code == 404
    assert client.get(f"{TRACKER}/999999").status_code == 404
    token = csrf_token(client, TRACKER + "/new")
    assert client.post(f"{path}/notes", data={"csrf_token": token, **_note()}).status_code == 404
    assert client.post(f"{path}/edit", data={"csrf_token": token, **_form()}).status_code == 404
    assert _count(VisitNote) == 0
    db.session.refresh(elsewhere)
    assert elsewhere.name == "Purley Shop"


def test_every_change_needs_the_csrf_token(client: FlaskClient, hub: Hub) -> None:
    entry = make_tracked(hub=hub, name="Untouched")
    path = f"{TRACKER}/{entry.id}"

    assert client.post(NEW, data=_form()).status_code == 400
    assert client.post(f"{path}/notes", data=_note()).status_code == 400
    assert client.post(f"{path}/edit", data=_form(name="Changed")).status_code == 400
    assert client.post(f"{path}/notes", data={"csrf_token": "forged", **_note()}).status_code == 400

    assert _count(TrackedBusiness) == 1 and _count(VisitNote) == 0
    db.session.refresh(entry)
    assert entry.name == "Untouched"
