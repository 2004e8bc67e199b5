"""A business owner keeps the business's page up to date from the phone: one short form a
page, bad input re-rendered with errors, photos re-encoded without their metadata."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import csrf_token, sign_in, submit
from townhub.businesses.models import Business
from townhub.businesses.profile import photo_folder
from townhub.common import geo
from townhub.extensions import db

GPS_IFD = 0x8825


def _photo_with_gps(size: tuple[int, int] = (3000, 2000), kind: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = image.getexif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 1  # orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 23.0, 50.0), 3: "W", 4: (0.0, 4.0, 30.0)})
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes())
    data = out.getvalue()
    # The upload really does say where it was taken.
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    return data


@pytest.fixture
def shop() -> Business:
    return make_business(hub=make_hub(slug="south-norwood", name="South Norwood"), slug="joes")


@pytest.fixture
def owner_client(client: FlaskClient, shop: Business) -> FlaskClient:
    sign_in(client, make_user(businesses=[shop]).email, PASSWORD)
    return client


def _multipart(fields: dict[str, str], data: bytes, name: str) -> tuple[int, bytes, str]:
    boundary = "townhub-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return len(body), body, boundary


def _upload(
    client: FlaskClient, business: Business, data: bytes, name: str, alt: str = "Red shop front"
) -> str:
    path = f"/manage/businesses/{business.id}/photo"
    token = csrf_token(client, path)
    # Encoded here, in memory: werkzeug's test client would spool a large body to a
    # temporary file it never closes when the app refuses to read it.
    _length, body, boundary = _multipart({"csrf_token": token, "alt": alt}, data, name)
    response = client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    return f"{response.status_code} {response.get_data(as_text=True)}"


def test_a_photo_loses_its_gps_position_and_is_resized(
    owner_client: FlaskClient, shop: Business
) -> None:
    answer = _upload(owner_client, shop, _photo_with_gps(), "IMG_0001.jpg")

    assert answer.startswith("303")
    assert shop.photo and shop.photo_alt == "Red shop front"
    for size, longest in (("large", 1200), ("small", 480)):
        stored = (photo_folder() / f"{shop.photo}-{size}.jpg").read_bytes()
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG" and max(image.size) == longest
        assert not image.getexif() and b"Exif" not in stored and b"PhoneMaker" not in stored
    served = owner_client.get(f"/photos/{shop.photo}-large.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    served.close()
    page = owner_client.get("/south-norwood/businesses/joes").get_data(as_text=True)
    assert f"/photos/{shop.photo}-large.jpg" in page and 'alt="Red shop front"' in page


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"x" * (30 * 1024 * 1024), "huge.jpg", "413", "The photo must be smaller than 10 MB"),
        (b"x" * (10 * 1024 * 1024 + 100), "big.jpg", "200", "The photo must be smaller than 10 MB"),
        (b"just some text, not a photo\n" * 20, "notes.jpg", "200", "The file must be a photo"),
        (b"", "empty.jpg", "200", "Choose a photo of the business"),
    ],
)
def test_a_bad_photo_is_refused_and_changes_nothing(
    owner_client: FlaskClient, shop: Business, data: bytes, name: str, status: str, message: str
) -> None:
    answer = _upload(owner_client, shop, data, name)

    assert answer.startswith(status) and message in answer
    assert "<title>Error:" in answer
    assert shop.photo is None
    assert not list(photo_folder().glob("*.tmp"))


def test_a_decompression_bomb_is_refused(owner_client: FlaskClient, shop: Business) -> None:
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # tiny file, 400 megapixels

    answer = _upload(owner_client, shop, bomb.getvalue(), "bomb.png")

    assert answer.startswith("200") and "smaller than 10 MB" in answer
    assert shop.photo is None


def test_a_photo_needs_words_for_people_who_cannot_see_it(
    owner_client: FlaskClient, shop: Business
) -> None:
    answer = _upload(owner_client, shop, _photo_with_gps((800, 600)), "shop.png", alt="")

    assert "Say what the photo shows" in answer
    assert shop.photo is None


def test_replacing_and_removing_a_photo_deletes_the_old_files(
    owner_client: FlaskClient, shop: Business
) -> None:
    _upload(owner_client, shop, _photo_with_gps((900, 600)), "a.jpg")
    first = shop.photo
    _upload(owner_client, shop, _photo_with_gps((600, 900)), "b.jpg")
    second = shop.photo
    assert second and second != first
    assert not list(photo_folder().glob(f"{first}-*.jpg"))
    assert len(list(photo_folder().glob(f"{second}-*.jpg"))) == 2

    submit(owner_client, f"/manage/businesses/{shop.id}/photo/remove", {})

    assert shop.photo is None and shop.photo_alt == ""
    assert not list(photo_folder().glob(f"{second}-*.jpg"))
    assert owner_client.get(f"/photos/{second}-large.jpg").status_code == 404


def test_text_is_kept_as_text_and_shown_escaped(owner_client: FlaskClient, shop: Business) -> None:
    script = "<script>alert('x')</script>"
    responses = [
        submit(
            owner_client,
            f"/manage/businesses/{shop.id}/details",
            {"name": f"Joe {script}", "category": "groceries", "description": script},
        ),
        submit(
            owner_client,
            f"/manage/businesses/{shop.id}/contact",
            {"address": script, "phone": "", "email": "", "website": ""},
        ),
        submit(owner_client, f"/manage/businesses/{shop.id}/access", {"accessibility": script}),
    ]

    assert [r.status_code for r in responses] == [303, 303, 303]
    assert shop.name == f"Joe {script}" and shop.description == script
    for path in (
        "/south-norwood/businesses/joes",
        f"/manage/businesses/{shop.id}",
        "/south-norwood/businesses",
    ):
        page = owner_client.get(path).get_data(as_text=True)
        assert script not in page and "&lt;script&gt;" in page


def test_bad_details_and_contacts_re_render_with_errors(
    owner_client: FlaskClient, shop: Business
) -> None:
    before = (shop.name, shop.address, shop.website)

    details = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/details",
        {"name": "", "category": "casino", "description": "x" * 1001},
    ).get_data(as_text=True)
    contact = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/contact",
        {
            "address": "x" * 201,
            "phone": "call me",
            "email": "nope",
            "website": "javascript:alert(1)",
        },
    ).get_data(as_text=True)

    for message in (
        "Enter the name of the business",
        "Choose what kind of business it is",
        "1000 characters or fewer",
    ):
        assert message in details
    for message in (
        "200 characters or fewer",
        "only digits, spaces",
        "in the right format",
        "Enter a web address like",
    ):
        assert message in contact
    assert (shop.name, shop.address, shop.website) == before


def test_a_website_without_a_scheme_gets_https(owner_client: FlaskClient, shop: Business) -> None:
    submit(
        owner_client,
        f"/manage/businesses/{shop.id}/contact",
        {"address": "1 High St", "website": "www.joes.example"},
    )

    assert shop.website == "https://www.joes.example"


def test_opening_hours(owner_client: FlaskClient, shop: Business) -> None:
    days = {
        f"{d}_{w}": ""
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for w in ("opens", "closes")
    }
    bad = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/hours",
        {
            **days,
            "mon_opens": "9",
            "mon_closes": "17:30",
            "tue_opens": "10:00",
            "tue_closes": "10.00",
        },
    )
    page = bad.get_data(as_text=True)
    assert "Enter a time like 09:00 for Monday" in page
    assert "The closing time on Tuesday must differ" in page
    assert shop.opening_hours == {"mon": [["09:00", "17:30"]]}

    good = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/hours",
        {
            **days,
            "mon_opens": "9:00",
            "mon_closes": "17.30",
            "sat_opens": "18:00",
            "sat_closes": "01:00",
        },
    )

    assert good.status_code == 303
    assert shop.opening_hours["mon"] == [["09:00", "17:30"]]
    assert shop.opening_hours["sat"] == [["18:00", "01:00"]] and shop.opening_hours["sun"] == []
    form = owner_client.get(f"/manage/businesses/{shop.id}/hours").get_data(as_text=True)
    assert 'value="18:00"' in form


def test_placing_the_shop(owner_client: FlaskClient, shop: Business) -> None:
    manchester = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/position",
        {"latitude": "53.4808", "longitude": "-2.2426"},
    )
    nonsense = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/position",
        {"latitude": "north", "longitude": "nan"},
    )
    assert "That place is not on South Norwood" in manchester.get_data(as_text=True)
    assert "Enter a latitude like" in nonsense.get_data(as_text=True)
    assert "Enter a longitude like" in nonsense.get_data(as_text=True)
    assert geo.lon_lat(shop.location) == (-0.0752, 51.3975)

    moved = submit(
        owner_client,
        f"/manage/businesses/{shop.id}/position",
        {"latitude": "51.3980", "longitude": "-0.0760"},
    )

    assert moved.status_code == 303
    db.session.refresh(shop)
    assert geo.lon_lat(shop.location) == (-0.076, 51.398)


PROFILE_PAGES = ("", "/details", "/contact", "/position", "/hours", "/access", "/photo")


def test_only_its_owners_and_its_hubs_managers_can_change_a_business(
    app: Flask, shop: Business
) -> None:
    other_owner = make_user(businesses=[make_business(hub=shop.hub)])
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    manager = make_user(role="hub_manager", hubs=[shop.hub])
    council = make_user(role="council_admin")
    name = shop.name

    for user, allowed in (
        (other_owner, False),
        (other_manager, False),
        (manager, True),
        (council, True),
    ):
        browser = app.test_client()
        sign_in(browser, user.email, PASSWORD)
        for page in PROFILE_PAGES:
            assert browser.get(f"/manage/businesses/{shop.id}{page}").status_code == (
                200 if allowed else 403
            )
        data = {
            "name": "Taken over",
            "category": "groceries",
            "description": "",
            "csrf_token": csrf_token(browser, "/manage/"),
        }
        answer = browser.post(f"/manage/businesses/{shop.id}/details", data=data)
        assert answer.status_code == (303 if allowed else 403)
        if not allowed:
            assert shop.name == name
    assert app.test_client().get(f"/manage/businesses/{shop.id}/details").status_code == 302
    browser = app.test_client()
    sign_in(browser, council.email, PASSWORD)
    assert browser.get("/manage/businesses/999999/details").status_code == 404
