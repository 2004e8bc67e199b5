"""QR posters and stickers: the PDFs, what their codes encode, who may print them, and the
scans counted per business on the management page."""

from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_business, make_hub, make_sensor, make_user
from tests.support.forms import sign_in
from townhub.accounts.models import User
from townhub.common.models import utcnow
from townhub.engagement import service as engagement
from townhub.posters import service
from townhub.posters.service import Rect

MM = 72 / 25.4  # points in a millimetre
A4_POINTS = (595.28, 841.89)


def _signed_in(app: Flask, user: User) -> FlaskClient:
    """A new browser, signed in as the user."""
    client = app.test_client()
    sign_in(client, user.email, PASSWORD)
    return client


def _signed_out(app: Flask) -> FlaskClient:
    return app.test_client()


def _words(text: str) -> str:
    """Text extracted from a PDF with its line breaks as spaces."""
    return " ".join(text.split())


def _pdf(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _filled_rects(page: pypdf.PageObject) -> list[tuple[float, float, float, float]]:
    """Every filled rectangle on the page as (x, top, width, height) in points, top down."""
    contents = page.get_contents()
    assert contents is not None
    operations = contents.operations
    rects = []
    for (operands, operator), (_, following) in itertools.pairwise(operations):
        if operator == b"re" and following == b"f":
            x, y, width, height = (float(value) for value in operands)
            rects.append((x, y, width, -height))  # fpdf2 draws from the top: height < 0
    return rects


def _matrix_from_rects(rects: list[tuple[float, float, float, float]]) -> list[list[int]]:
    """The QR matrix that a set of filled rectangles draws, one cell per module."""
    module = min(height for *_, height in rects)
    left = min(x for x, *_ in rects)
    top = max(y for _, y, *_ in rects)
    size = round((max(x + width for x, _, width, _ in rects) - left) / module)
    matrix = [[0] * size for _ in range(size)]
    for x, y, width, height in rects:
        assert height == pytest.approx(module, abs=0.02)
        row, column = round((top - y) / module), round((x - left) / module)
        for offset in range(round(width / module)):
            matrix[row][column + offset] = 1
    return matrix


def _expected(url: str) -> list[list[int]]:
    return [list(row) for row in segno.make(url, error="q", micro=False).matrix]


# The drawing itself, without the app.


def test_the_rectangles_drawn_are_exactly_the_code_for_the_url() -> None:
    url = "https://townhub.example.org/south-norwood/?ref=portland-road-bakery"
    matrix = service.qr_code(url).matrix
    rects = service.qr_rects(matrix, x=10, y=20, size=90)

    module = 90 / (len(matrix) + 2 * service.QUIET_ZONE)
    drawn = [[0] * len(matrix) for _ in matrix]
    for rect in rects:
        assert rect.height == pytest.approx(module)
        row = round((rect.y - 20) / module) - service.QUIET_ZONE
        column = round((rect.x - 10) / module) - service.QUIET_ZONE
        for offset in range(round(rect.width / module)):
            assert drawn[row][column + offset] == 0  # no module drawn twice
            drawn[row][column + offset] = 1
    assert drawn == _expected(url)
    assert drawn != _expected(url.replace("bakery", "butcher"))
    # Runs are merged: no two rectangles touch end to end in a row.
    ends = {(round(r.y, 6), round(r.x + r.width, 6)) for r in rects}
    assert not any((round(r.y, 6), round(r.x, 6)) in ends for r in rects)
    # The quiet zone: four modules of white on every side of the 90 mm square.
    assert min(r.x for r in rects) == pytest.approx(10 + 4 * module)
    assert max(r.x + r.width for r in rects) == pytest.approx(100 - 4 * module)
    assert min(r.y for r in rects) == pytest.approx(20 + 4 * module)


def test_the_code_is_a_full_size_code_with_error_correction_q_or_better() -> None:
    code = service.qr_code("https://t.example/a/")
    assert not code.is_micro and code.error in {"Q", "H"}
    # A 3 x 3 toy matrix in a 11 mm square: 1 mm modules, starting 4 mm in.
    toy = [[1, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert service.qr_rects(toy, 0, 0, 11) == [Rect(4, 4, 2, 1), Rect(4, 5, 1, 1), Rect(6, 5, 1, 1)]


def test_the_longest_names_still_fit_on_one_page(app: Flask) -> None:
    hub = make_hub(slug="h" * 60, name="Llanfair " * 13)
    business = make_business(hub=hub, slug="b" * 80, name="Siop " * 24)
    url = f"https://townhub.some-long-council-domain.gov.uk/{hub.slug}/?ref={business.slug}"

    with app.test_request_context():
        poster, stickers = (service.business_poster(business, url, size) for size in service.SIZES)

    assert len(_pdf(poster).pages) == 1 and len(_pdf(stickers).pages) == 1
    rects = _filled_rects(_pdf(poster).pages[0])
    assert _matrix_from_rects(rects) == _expected(url)
    # Smaller than usual, but still a code a phone reads from most of a metre.
    assert (max(x + w for x, _, w, _ in rects) - min(x for x, *_ in rects)) / MM > 70


def test_a_missing_font_fails_with_a_clear_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hub = make_hub(slug="south-norwood")
    monkeypatch.setattr(service, "FONT_DIR", tmp_path)
    with app.test_request_context(), pytest.raises(service.PosterFontMissing, match="fonts-dejavu"):
        service.hub_poster(hub, "https://t.example/a/", "a4")

    response = _signed_in(app, make_user(role="council_admin")).get(
        "/manage/hubs/south-norwood/posters/hub.pdf"
    )
    assert response.status_code == 500
    assert "Posters cannot be printed: the server has no fonts." in response.get_data(as_text=True)
    sensor = make_sensor(hub=hub)
    stickers = _signed_in(app, make_user(role="council_admin")).get(
        f"/manage/hubs/south-norwood/sensors/{sensor.id}/stickers.pdf"
    )
    assert stickers.status_code == 500
    assert "Posters cannot be printed: the server has no fonts." in stickers.get_data(as_text=True)


def test_an_unknown_size_is_refused(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(service.UnknownPosterSize):
        service.hub_poster(make_hub(), "https://t.example/a/", "a3")


# Through the app.


def test_a_hub_manager_prints_the_hubs_a4_poster(app: Flask) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    client = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    response = client.get("/manage/hubs/south-norwood/posters/hub.pdf?size=a4")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="south-norwood-poster-a4.pdf"'
    )
    assert "private" in response.headers["Cache-Control"]
    reader = _pdf(response.data)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS, abs=1
    )
    text = _words(_text(reader))
    assert "South Norwood Town Hub" in text
    assert "http://localhost/south-norwood/" in text
    for step in ("1.", "2.", "3.", "camera", "Install app", "Add to Home Screen", "iPhone"):
        assert step in text
    assert "no tracking" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "South Norwood Town Hub"
    assert reader.metadata.author == "Townhub"
    preferences = reader.root_object["/ViewerPreferences"].get_object()
    assert isinstance(preferences, pypdf.generic.DictionaryObject)
    assert str(preferences["/PrintScaling"]) == "/None"
    # The code is drawn as vectors, encodes the hub's address, and is big enough to scan
    # from a metre away.
    rects = _filled_rects(page)
    assert _matrix_from_rects(rects) == _expected("http://localhost/south-norwood/")
    symbol_mm = (max(x + w for x, _, w, _ in rects) - min(x for x, *_ in rects)) / MM
    assert 110 <= symbol_mm <= 140
    assert not page.images


def test_an_owner_prints_their_business_poster_with_its_ref(app: Flask) -> None:
    hub = make_hub(slug="llanfair", name="Llanfair Ŵyŷ")
    business = make_business(
        hub=hub, slug="caffi-r-wy", name="Caffi’r Ŵy <script>alert(1)</script>"
    )
    client = _signed_in(app, make_user(businesses=[business]))

    response = client.get(f"/manage/businesses/{business.id}/poster.pdf?size=a4")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="caffi-r-wy-poster-a4.pdf"'
    )
    reader = _pdf(response.data)
    text = _text(reader)
    assert "Caffi’r Ŵy <script>alert(1)</script> is on Llanfair Ŵyŷ Town Hub" in _words(text)
    url = "http://localhost/llanfair/?ref=caffi-r-wy"
    assert url in text.replace("\n", "")
    assert reader.metadata is not None and reader.metadata.title is not None
    assert "Caffi’r Ŵy" in reader.metadata.title and "Llanfair Ŵyŷ" in reader.metadata.title
    assert _matrix_from_rects(_filled_rects(reader.pages[0])) == _expected(url)
    # The slug in the code is what engagement counts a scan against.
    assert engagement.referring_business(hub, "caffi-r-wy") == "caffi-r-wy"


def test_stickers_come_six_to_an_a4_sheet(app: Flask) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    business = make_business(hub=hub, slug="portland-road-bakery")
    client = _signed_in(app, make_user(role="council_admin"))

    response = client.get(f"/manage/businesses/{business.id}/poster.pdf?size=sticker")

    assert response.headers["Content-Disposition"] == (
        'inline; filename="portland-road-bakery-poster-sticker.pdf"'
    )
    reader = _pdf(response.data)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS, abs=1
    )
    text = _text(reader)
    url = "http://localhost/south-norwood/?ref=portland-road-bakery"
    assert _words(text).count("Scan for South Norwood Town Hub") == 6
    assert text.replace("\n", "").count(url) == 6
    matrix = segno.make(url, error="q", micro=False).matrix
    rects = _filled_rects(page)
    assert len(rects) == 6 * len(service.qr_rects(matrix, 0, 0, 70))
    # Each code is 70 mm square with its quiet zone.
    module_mm = min(height for *_, height in rects) / MM
    assert module_mm * (len(matrix) + 8) == pytest.approx(service.STICKER_QR_MM, abs=0.1)


def test_a_hub_sticker_sheet(app: Flask) -> None:
    hub = make_hub(slug="purley", name="Purley")
    client = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    response = client.get("/manage/hubs/purley/posters/hub.pdf?size=sticker")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'inline; filename="purley-poster-sticker.pdf"'
    assert _words(_text(_pdf(response.data))).count("Scan for Purley Town Hub") == 6


def test_posters_print_in_the_managers_language_unless_right_to_left(app: Flask) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    client = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    client.set_cookie("lang", "cy")
    welsh = _words(_text(_pdf(client.get("/manage/hubs/south-norwood/posters/hub.pdf").data)))
    client.set_cookie("lang", "ur")
    urdu = _words(_text(_pdf(client.get("/manage/hubs/south-norwood/posters/hub.pdf").data)))

    assert "Siopau, cynigion, digwyddiadau a newyddion teithio ar gyfer South Norwood." in welsh
    # fpdf2 cannot join Arabic-script letters without HarfBuzz: English rather than garbled.
    assert "Shops, offers, events and travel news for South Norwood." in urdu


def test_a_bad_size_is_refused_with_a_clear_message(app: Flask) -> None:
    hub = make_hub(slug="south-norwood")
    business = make_business(hub=hub)
    client = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    for path in (
        "/manage/hubs/south-norwood/posters/hub.pdf?size=a3",
        f"/manage/businesses/{business.id}/poster.pdf?size=huge",
    ):
        response = client.get(path)
        assert response.status_code == 400
        assert "“a4” for a poster or “sticker” for stickers" in response.get_data(as_text=True)


def test_a_pending_business_has_no_poster(app: Flask) -> None:
    hub = make_hub(slug="south-norwood")
    pending = make_business(hub=hub, name="Not Yet Open", status="pending")
    make_business(hub=hub, name="Hidden Shop", status="hidden")
    client = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    response = client.get(f"/manage/businesses/{pending.id}/poster.pdf")
    page = client.get("/manage/hubs/south-norwood/posters").get_data(as_text=True)

    assert response.status_code == 409
    assert "Print it once the business is approved." in response.get_data(as_text=True)
    assert "Not Yet Open" not in page and "Hidden Shop" not in page
    assert "2 businesses waiting for approval or hidden have no poster" in page


def test_only_the_business_its_hub_and_the_council_may_print_its_poster(app: Flask) -> None:
    hub = make_hub(slug="south-norwood")
    business = make_business(hub=hub)
    path = f"/manage/businesses/{business.id}/poster.pdf"
    allowed = [
        make_user(businesses=[business]),
        make_user(role="hub_manager", hubs=[hub]),
        make_user(role="council_admin"),
    ]
    refused = [
        make_user(businesses=[make_business(hub=hub)]),  # another business's owner
        make_user(role="hub_manager", hubs=[make_hub(slug="purley")]),
    ]

    for user in allowed:
        assert _signed_in(app, user).get(path).status_code == 200
    for user in refused:
        response = _signed_in(app, user).get(path)
        assert response.status_code == 403
        assert "can print its posters" in response.get_data(as_text=True)
    assert _signed_in(app, allowed[0]).get("/manage/businesses/999999/poster.pdf").status_code == (
        404
    )
    signed_out = _signed_out(app).get(path)
    assert signed_out.status_code == 302 and "/manage/sign-in" in signed_out.headers["Location"]


def test_only_the_hubs_managers_and_the_council_see_its_posters(app: Flask) -> None:
    hub = make_hub(slug="south-norwood")
    owner = make_user(businesses=[make_business(hub=hub)])
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    paths = ["/manage/hubs/south-norwood/posters", "/manage/hubs/south-norwood/posters/hub.pdf"]

    for user in (owner, other_manager):
        client = _signed_in(app, user)
        for path in paths:
            assert client.get(path).status_code == 403
    council = _signed_in(app, make_user(role="council_admin"))
    for path in paths:
        assert council.get(path).status_code == 200
        assert council.get(path.replace("south-norwood", "nowhere")).status_code == 404
    for path in paths:
        signed_out = _signed_out(app).get(path)
        assert signed_out.status_code == 302 and "/manage/sign-in" in signed_out.headers["Location"]


def _scans(page: str, name: str) -> list[str]:
    row = page.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]
    return re.findall(r'<td class="numeric">([^<]*)</td>', row)


def test_the_listing_counts_scans_of_each_business_poster(app: Flask, client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    bakery = make_business(hub=hub, slug="portland-road-bakery", name="Joe’s Café")
    make_business(hub=hub, slug="butcher", name="Norwood Butcher")
    engagement.count(hub, "visit", ref="portland-road-bakery", now=utcnow() - timedelta(days=40))
    manager = _signed_in(app, make_user(role="hub_manager", hubs=[hub]))

    before = manager.get("/manage/hubs/south-norwood/posters").get_data(as_text=True)
    # A resident scans the poster: the hub's page, opened from outside, with the ref.
    assert client.get("/south-norwood/?ref=portland-road-bakery").status_code == 200
    after = manager.get("/manage/hubs/south-norwood/posters").get_data(as_text=True)

    assert _scans(before, "Joe’s Café") == ["0", "1"]
    assert _scans(after, "Joe’s Café") == ["1", "2"]
    assert _scans(after, "Norwood Butcher") == ["0", "0"]
    assert (
        f'href="/manage/businesses/{bakery.id}/poster.pdf?size=a4">A4 poster'
        '<span class="visually-hidden"> for Joe’s Café</span> (PDF)</a>'
    ) in after
    assert f'href="/manage/businesses/{bakery.id}/poster.pdf?size=sticker">Stickers' in after
    assert 'href="/manage/hubs/south-norwood/posters/hub.pdf?size=a4"' in after
    assert "Print on A4 at 100% size (no ‘fit to page’)." in after
    assert "<caption" in after and '<th scope="col">' in after
