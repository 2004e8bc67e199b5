from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_business, make_event, make_hub, make_offer, make_roadwork
from townhub.common.models import utcnow


def test_chooser_lists_every_hub(client: FlaskClient) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    make_hub(
        slug="purley",
        name="Purley",
        ring=[(-0.12, 51.33), (-0.11, 51.33), (-0.11, 51.34), (-0.12, 51.34)],
    )

    page = client.get("/").get_data(as_text=True)

    assert 'href="/south-norwood/"' in page
    assert 'href="/purley/"' in page


def test_hub_home_shows_live_offers_next_events_and_roadworks(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    shop = make_business(hub=hub, name="Portland Road Bakery")
    make_offer(business=shop, title="Half-price croissants")
    make_offer(
        business=shop,
        title="Expired deal",
        starts_at=utcnow() - timedelta(days=9),
        ends_at=utcnow() - timedelta(minutes=1),
    )
    make_offer(
        business=shop,
        title="Not yet",
        starts_at=utcnow() + timedelta(days=2),
        ends_at=utcnow() + timedelta(days=4),
    )
    make_event(hub=hub, title="Winter market")
    make_roadwork(hub=hub, street="Station Road", diversion_text="Use Portland Road instead.")

    response = client.get("/south-norwood/")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Half-price croissants" in page and "Portland Road Bakery" in page
    assert "Expired deal" not in page and "Not yet" not in page
    assert "Winter market" in page
    assert "Station Road" in page and "Use Portland Road instead." in page
    assert "HX-Request" in response.headers["Vary"]


def test_hub_home_escapes_what_businesses_type(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_offer(business=make_business(hub=hub), title="<script>alert(1)</script>")

    page = client.get("/south-norwood/").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hub_page_works_without_javascript_and_loads_vendored_scripts_only(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")

    response = client.get("/south-norwood/")

    page = response.get_data(as_text=True)
    assert '<link rel="manifest" href="/south-norwood/manifest.webmanifest">' in page
    assert "/static/vendor/htmx-2.0.11.min." in page  # then its fingerprint and .js
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_unknown_hub_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/atlantis/")

    assert response.status_code == 404
    assert "There is no high street hub at this address." in response.get_data(as_text=True)


def test_manifest_is_installable(client: FlaskClient) -> None:
    make_hub(slug="south-norwood", name="South Norwood")

    response = client.get("/south-norwood/manifest.webmanifest")

    manifest = response.get_json(force=True)
    assert response.mimetype == "application/manifest+json"
    assert manifest["start_url"].startswith("/south-norwood/")
    assert manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as icon_response:
            assert icon_response.status_code == 200
            assert icon_response.mimetype == "image/png"


def test_service_worker_is_served_from_the_root_with_a_release_version(client: FlaskClient) -> None:
    response = client.get("/sw.js")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "__TOWNHUB_VERSION__" not in body
    assert "showNotification" in body
    assert client.get("/offline").status_code == 200
