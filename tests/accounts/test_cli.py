"""The council's IT officer invites the first hub managers and council admins from the
command line: the printed link lets them choose a password and signs them in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from townhub.accounts.models import Invite, User
from townhub.extensions import db

NEW_PASSWORD = "kettle orange bicycle"
PURLEY_BOX = [(-0.1170, 51.3355), (-0.1100, 51.3355), (-0.1100, 51.3400), (-0.1170, 51.3400)]


def _run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _invite(app: Flask, email: str, name: str, role: str, *hubs: str) -> Result:
    hub_options = [option for slug in hubs for option in ("--hub", slug)]
    return _run(app, "users", "invite", email, "--name", name, "--role", role, *hub_options)


def _create(app: Flask, email: str, role: str, *options: str) -> Result:
    return _run(
        app,
        "users",
        "create",
        "--email",
        email,
        "--name",
        "Mo",
        "--role",
        role,
        "--password",
        NEW_PASSWORD,
        *options,
    )


def _link(output: str) -> str:
    """The path of the invitation link the command printed."""
    match = re.search(r"^  (http://localhost:8000/manage/welcome/\S+)$", output, re.MULTILINE)
    assert match, output
    return urlsplit(match.group(1)).path


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _accept(app: Flask, link: str) -> None:
    phone = app.test_client()
    page = phone.get(link)
    assert page.status_code == 200 and "Welcome to Townhub" in page.get_data(as_text=True)
    response = submit(phone, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def test_an_invited_hub_manager_sets_a_password_and_runs_their_hub(app: Flask) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    make_hub(slug="purley", name="Purley", ring=PURLEY_BOX)

    result = _invite(app, "Mo@Example.org", "Mo Manager", "hub_manager", "south-norwood")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Invited Mo Manager <mo@example.org> to run South Norwood."
    assert lines[1].startswith("Give them this link. It works once, until ")
    assert "(UK time)" in lines[1]
    manager = db.session.scalars(select(User)).one()
    assert (manager.email, manager.role, manager.password_hash) == (
        "mo@example.org",
        "hub_manager",
        None,
    )
    assert [hub.slug for hub in manager.hubs] == ["south-norwood"]
    invite = db.session.scalars(select(Invite)).one()
    assert (invite.purpose, invite.created_by_id, invite.used_at) == ("invite", None, None)
    link = _link(result.output)
    assert link.rsplit("/", 1)[1] not in invite.token_hash

    phone = app.test_client()
    page = phone.get(link).get_data(as_text=True)
    assert "Hello Mo Manager" in page and "mo@example.org" in page
    assert "you can run South Norwood on Townhub" in page
    signed_in = submit(phone, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert signed_in.status_code == 303
    assert phone.get("/manage/").status_code == 200
    assert phone.get("/manage/hubs/south-norwood/businesses/new").status_code == 200
    assert phone.get("/manage/hubs/purley/businesses/new").status_code == 403
    assert phone.get(link).status_code == 410  # the link works once
    assert sign_in(app.test_client(), "mo@example.org", NEW_PASSWORD).status_code == 303


def test_an_invited_council_admin_runs_every_hub(app: Flask) -> None:
    make_hub(slug="south-norwood")
    make_hub(slug="purley")

    result = _invite(app, "it@croydon.example.gov.uk", "Ada Admin", "council_admin")

    assert result.exit_code == 0, result.output
    assert "Invited Ada Admin <it@croydon.example.gov.uk> to run every hub." in result.output
    link = _link(result.output)
    phone = app.test_client()
    phone.get(link)
    submit(phone, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert phone.get("/manage/hubs/south-norwood/businesses/new").status_code == 200
    assert phone.get("/manage/hubs/purley/businesses/new").status_code == 200


def test_inviting_again_reuses_the_account_and_replaces_the_link(app: Flask) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    make_hub(slug="purley", name="Purley")
    first = _invite(app, "mo@example.org", "Mo", "hub_manager", "south-norwood")

    again = _invite(app, "mo@example.org", "Mo Manager", "hub_manager", "purley", "south-norwood")

    assert again.exit_code == 0, again.output
    assert "Invited Mo Manager <mo@example.org> to run Purley, South Norwood." in again.output
    manager = db.session.scalars(select(User)).one()
    assert sorted(hub.slug for hub in manager.hubs) == ["purley", "south-norwood"]
    assert app.test_client().get(_link(first.output)).status_code == 410
    _accept(app, _link(again.output))
    assert manager.password_hash is not None


def test_an_invitation_that_cannot_be_made_is_refused(app: Flask) -> None:
    hub = make_hub(slug="south-norwood")
    make_user(email="has-password@example.org", role="hub_manager", hubs=[hub])
    make_user(email="owner@example.org", role="owner", password_hash=None)
    before = (_count(User), _count(Invite))
    cases = {
        ("new@example.org", "hub_manager"): (
            "A hub manager needs a hub: add --hub SLUG (see hubs list).",
        ),
        ("new@example.org", "hub_manager", "norwood"): (
            "There is no hub norwood. The hubs are: south-norwood.",
        ),
        ("new@example.org", "council_admin", "south-norwood"): (
            "Only hub managers are given hubs (a council admin runs every hub): leave out --hub.",
        ),
        ("not an address", "council_admin"): (
            "'not an address' is not an e-mail address: An email address must have an @-sign.",
        ),
        ("has-password@example.org", "hub_manager", "south-norwood"): (
            "has-password@example.org already has an account with a password, so they can sign"
            " in. To give them another hub: users add-hub has-password@example.org SLUG.",
        ),
        ("OWNER@example.org", "hub_manager", "south-norwood"): (
            "owner@example.org already has an account as a business owner: use another address.",
        ),
    }
    for (email, role, *hubs), (message,) in cases.items():
        result = _invite(app, email, "Someone", role, *hubs)

        assert result.exit_code == 2, result.output
        assert result.output == f"Error: {message}\n"
    owner = _run(app, "users", "invite", "x@example.org", "--name", "X", "--role", "owner")
    assert owner.exit_code == 2 and "'owner' is not one of" in owner.output
    assert (_count(User), _count(Invite)) == before


def test_a_hub_manager_is_given_another_hub(app: Flask) -> None:
    norwood = make_hub(slug="south-norwood", name="South Norwood")
    make_hub(slug="purley", name="Purley")
    manager = make_user(role="hub_manager", hubs=[norwood], email="mo@example.org")
    make_user(role="council_admin", email="it@example.gov.uk")
    make_user(businesses=[make_business(hub=norwood)], email="shop@example.org")

    added = _run(app, "users", "add-hub", "Mo@example.org", "purley")
    again = _run(app, "users", "add-hub", "mo@example.org", "purley")
    admin = _run(app, "users", "add-hub", "it@example.gov.uk", "purley")
    owner = _run(app, "users", "add-hub", "shop@example.org", "purley")
    nobody = _run(app, "users", "add-hub", "nobody@example.org", "purley")
    no_hub = _run(app, "users", "add-hub", "mo@example.org", "thornton-heath")

    assert (added.exit_code, added.output) == (0, "Mo@example.org now runs Purley too.\n")
    assert (again.exit_code, again.output) == (0, "mo@example.org already runs Purley.\n")
    assert admin.exit_code == 2 and "it@example.gov.uk is a council admin" in admin.output
    assert owner.exit_code == 2 and "shop@example.org is a business owner" in owner.output
    assert nobody.exit_code == 2
    assert "No account has the address nobody@example.org" in nobody.output
    assert no_hub.exit_code == 2 and "There is no hub thornton-heath." in no_hub.output
    assert sorted(hub.slug for hub in manager.hubs) == ["purley", "south-norwood"]
    browser = app.test_client()
    sign_in(browser, "mo@example.org", PASSWORD)
    assert browser.get("/manage/hubs/purley/businesses/new").status_code == 200


def test_an_account_is_created_with_a_password_and_hubs(app: Flask) -> None:
    make_hub(slug="south-norwood", name="South Norwood")

    created = _create(app, "Mo@example.org", "hub_manager", "--hub", "south-norwood")
    taken = _create(app, "mo@example.org", "hub_manager")
    owner_with_hub = _create(app, "shop@example.org", "owner", "--hub", "south-norwood")

    assert created.exit_code == 0, created.output
    assert created.output == "Created hub_manager mo@example.org running South Norwood\n"
    assert taken.exit_code == 2 and "mo@example.org already has an account." in taken.output
    assert (
        owner_with_hub.exit_code == 2
        and "Only hub managers are given hubs" in owner_with_hub.output
    )
    assert _count(User) == 1
    browser = app.test_client()
    assert sign_in(browser, "mo@example.org", NEW_PASSWORD).status_code == 303
    assert browser.get("/manage/hubs/south-norwood/businesses/new").status_code == 200
