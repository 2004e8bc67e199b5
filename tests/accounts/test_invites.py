"""A hub manager adds a business and invites its owner with a one-time link; the owner
sets a password on the phone. New links replace lost ones; sign-in is rate limited."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import csrf_token, sign_in, submit
from townhub.accounts.models import Invite, User
from townhub.businesses.models import Business
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.moderation.models import AuditEntry

GOOD = {
    "name": "Joe’s Café",
    "category": "food-and-drink",
    "address": "12 High Street, South Norwood, SE25 6EP",
    "owner_name": "Joe Bloggs",
    "owner_email": "Joe@Example.org",
}


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _link(page: str) -> str:
    match = re.search(r'href="(http://localhost/manage/welcome/[^"]+)"', page)
    assert match, "no invitation link on the page"
    return match.group(1).replace("http://localhost", "")


def _manager_adds_business(client: FlaskClient) -> tuple[str, str]:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    manager = make_user(role="hub_manager", hubs=[hub], name="Mo Manager")
    sign_in(client, manager.email, PASSWORD)
    response = submit(client, "/manage/hubs/south-norwood/businesses/new", GOOD)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return _link(page), page


def test_a_manager_adds_a_business_and_gets_a_link_and_qr_code(client: FlaskClient) -> None:
    link, page = _manager_adds_business(client)

    business = db.session.scalars(select(Business)).one()
    owner = db.session.scalars(select(User).where(User.role == "owner")).one()
    invite = db.session.scalars(select(Invite)).one()
    assert (business.name, business.status, business.slug) == ("Joe’s Café", "pending", "joes-cafe")
    assert (owner.email, owner.password_hash, owner.businesses) == (
        "joe@example.org",
        None,
        [business],
    )
    assert invite.purpose == "invite" and invite.used_at is None
    assert invite.expires_at - utcnow() > timedelta(days=13)
    # Only a hash of the token is stored: the link itself is not in the database.
    assert link.rsplit("/", 1)[1] not in invite.token_hash
    assert 'src="data:image/svg+xml' in page and "QR code of the link below" in page
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["business_added"]


def test_the_link_is_shown_once(app: Flask, client: FlaskClient) -> None:
    _link_path, _page = _manager_adds_business(client)
    invite = db.session.scalars(select(Invite)).one()
    manager = db.session.get(User, invite.created_by_id)
    assert manager is not None

    other_browser = app.test_client()
    sign_in(other_browser, manager.email, PASSWORD)
    page = other_browser.get(f"/manage/links/{invite.id}").get_data(as_text=True)

    assert "/manage/welcome/" not in page
    assert "shown once" in page


def test_the_owner_sets_a_password_and_is_signed_in(app: Flask, client: FlaskClient) -> None:
    link, _page = _manager_adds_business(client)
    phone = app.test_client()

    page = phone.get(link).get_data(as_text=True)
    assert "Hello Joe Bloggs" in page and "Joe’s Café" in page
    response = submit(
        phone, link, {"password": "kettle orange bicycle", "confirm": "kettle orange bicycle"}
    )

    assert response.status_code == 303
    assert "Joe’s Café" in phone.get("/manage/").get_data(as_text=True)
    assert db.session.scalars(select(Invite)).one().used_at is not None
    # The link works once.
    again = phone.get(link)
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)
    # And the password works on the sign-in page.
    fresh = app.test_client()
    assert sign_in(fresh, "joe@example.org", "kettle orange bicycle").status_code == 303


def test_a_bad_password_changes_nothing(app: Flask, client: FlaskClient) -> None:
    link, _page = _manager_adds_business(client)
    phone = app.test_client()

    short = submit(phone, link, {"password": "short", "confirm": "short"})
    different = submit(phone, link, {"password": "kettle orange bicycle", "confirm": "kettle"})

    assert short.status_code == 200 and "from 10 to 200 characters" in short.get_data(as_text=True)
    assert "The two passwords are not the same" in different.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.role == "owner")).one().password_hash is None
    assert db.session.scalars(select(Invite)).one().used_at is None


def test_an_expired_or_made_up_link_does_not_work(app: Flask, client: FlaskClient) -> None:
    link, _page = _manager_adds_business(client)
    db.session.scalars(select(Invite)).one().expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    phone = app.test_client()

    assert phone.get(link).status_code == 410
    assert phone.get("/manage/welcome/not-a-real-token").status_code == 410
    assert db.session.scalars(select(User).where(User.role == "owner")).one().password_hash is None


def test_bad_input_when_adding_a_business_changes_nothing(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)
    before = (_count(Business), _count(User), _count(Invite))

    empty = submit(client, "/manage/hubs/south-norwood/businesses/new", {})
    page = empty.get_data(as_text=True)
    long = submit(
        client,
        "/manage/hubs/south-norwood/businesses/new",
        {**GOOD, "name": "x" * 300, "category": "casino", "owner_email": "not-an-address"},
    )
    scripted = submit(
        client,
        "/manage/hubs/south-norwood/businesses/new",
        {**GOOD, "name": "<script>alert(1)</script>", "owner_email": ""},
    )

    assert empty.status_code == 200 and page.startswith("<!doctype html>")
    assert "<title>Error:" in page
    for message in (
        "Enter the name of the business",
        "Choose what kind of business it is",
        "Enter the address of the business",
        "Enter the owner’s name",
        "Enter the owner’s email address",
    ):
        assert message in page
    long_page = long.get_data(as_text=True)
    assert "The name must be 120 characters or fewer" in long_page
    assert "Choose what kind of business it is" in long_page
    assert "Enter an email address in the right format" in long_page
    scripted_page = scripted.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in scripted_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in scripted_page
    assert (_count(Business), _count(User), _count(Invite)) == before


def test_the_owner_email_cannot_be_a_managers(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    manager = make_user(role="hub_manager", hubs=[hub])
    sign_in(client, manager.email, PASSWORD)

    response = submit(
        client, "/manage/hubs/south-norwood/businesses/new", {**GOOD, "owner_email": manager.email}
    )

    assert "Enter the owner’s own email address" in response.get_data(as_text=True)
    assert _count(Business) == 0 and _count(Invite) == 0


def test_an_owner_who_has_an_account_gets_the_business_without_a_link(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    existing = make_user(businesses=[make_business(hub=hub)], email="joe@example.org")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    response = submit(client, "/manage/hubs/south-norwood/businesses/new", GOOD)

    assert response.headers["Location"] == "/manage/"
    assert len(existing.businesses) == 2 and _count(Invite) == 0


def test_only_the_hubs_managers_can_add_businesses(app: Flask, client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    owner = make_user(businesses=[make_business(hub=hub)])
    before = (_count(Business), _count(User))

    for user in (other_manager, owner):
        browser = app.test_client()
        sign_in(browser, user.email, PASSWORD)
        assert browser.get("/manage/hubs/south-norwood/businesses/new").status_code == 403
        response = browser.post(
            "/manage/hubs/south-norwood/businesses/new",
            data={**GOOD, "csrf_token": csrf_token(browser, "/manage/")},
        )
        assert response.status_code == 403
    assert (_count(Business), _count(User)) == before
    assert app.test_client().get("/manage/hubs/south-norwood/businesses/new").status_code == 302


def test_a_new_link_replaces_the_old_and_signs_out_old_sessions(
    app: Flask, client: FlaskClient
) -> None:
    hub = make_hub(slug="south-norwood")
    shop = make_business(hub=hub)
    owner = make_user(businesses=[shop])
    manager = make_user(role="hub_manager", hubs=[hub])
    owners_phone = app.test_client()
    sign_in(owners_phone, owner.email, PASSWORD)
    assert owners_phone.get("/manage/").status_code == 200
    sign_in(client, manager.email, PASSWORD)

    overview = client.get(f"/manage/businesses/{shop.id}").get_data(as_text=True)
    assert "New password link" in overview
    token = csrf_token(client, f"/manage/businesses/{shop.id}")
    made = client.post(f"/manage/owners/{owner.id}/link", data={"csrf_token": token})
    old_link = _link(client.get(made.headers["Location"]).get_data(as_text=True))
    made = client.post(f"/manage/owners/{owner.id}/link", data={"csrf_token": token})
    new_link = _link(client.get(made.headers["Location"]).get_data(as_text=True))

    assert app.test_client().get(old_link).status_code == 410
    new_phone = app.test_client()
    assert "Choose a new password" in new_phone.get(new_link).get_data(as_text=True)
    submit(
        new_phone, new_link, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    # The lost phone's session ends with the old password.
    assert owners_phone.get("/manage/").status_code == 302
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == [
        "reset_link",
        "reset_link",
    ]


def test_links_only_for_owners_of_the_managers_hubs(app: Flask, client: FlaskClient) -> None:
    owner = make_user(businesses=[make_business(hub=make_hub(slug="purley"))])
    hub = make_hub(slug="south-norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)
    token = csrf_token(client, "/manage/hubs/south-norwood/businesses/new")

    assert (
        client.post(f"/manage/owners/{owner.id}/link", data={"csrf_token": token}).status_code
        == 403
    )
    assert client.post("/manage/owners/999999/link", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/manage/owners/{owner.id}/link").status_code == 400  # no CSRF token
    assert _count(Invite) == 0


def test_sign_in_is_rate_limited_per_account(client: FlaskClient) -> None:
    owner = make_user(email="shop@example.org")
    answers = [
        submit(
            client, "/manage/sign-in", {"email": "shop@example.org", "password": "guess"}
        ).status_code
        for _ in range(6)
    ]
    blocked = submit(client, "/manage/sign-in", {"email": owner.email, "password": PASSWORD})

    assert answers == [200, 200, 200, 200, 200, 429]
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert owner.last_signed_in_at is None
