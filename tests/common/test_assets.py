"""Fingerprinted static files: pages name each file with its content hash, that name is
cached for a year, and the plain name, another release's name and paths outside the
folder behave as townhub/common/assets.py says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import make_hub
from townhub.common import assets
from townhub.common.assets import IMMUTABLE, REVALIDATE

FINGERPRINTED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
CONTENT_TYPES = {"css": "text/css", "js": "text/javascript", "png": "image/png"}


def _static_urls(client: FlaskClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return STATIC_URL.findall(response.get_data(as_text=True))


def _fetch(client: FlaskClient, url: str, **kwargs: Any) -> TestResponse:
    """A response read in full and closed (a file is sent as a stream)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def _release(tmp_path: Path, name: str, css: str) -> str:
    """A copy of the real static folder whose townhub.css is replaced."""
    folder = tmp_path / name
    shutil.copytree(Path(__file__).parents[2] / "townhub" / "static", folder)
    (folder / "css" / "townhub.css").write_text(css)
    return str(folder)


def test_every_static_url_in_the_pages_is_fingerprinted_and_kept_for_a_year(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")
    urls = {
        url
        for path in ("/south-norwood/", "/manage/sign-in", "/offline", "/alerts/new")
        for url in _static_urls(client, path)
    }

    assert "/static/vendor/leaflet-1.9.4/leaflet.js" not in urls
    assert len(urls) >= 7  # townhub.css, icon, htmx, app.js, and the map's four
    for url in urls:
        assert FINGERPRINTED.match(url), url
        response = _fetch(client, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.mimetype == CONTENT_TYPES[url.rsplit(".", 1)[1]]


def test_manifest_icons_are_fingerprinted(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    manifest = client.get("/south-norwood/manifest.webmanifest").get_json(force=True)

    for icon in manifest["icons"]:
        assert FINGERPRINTED.match(icon["src"]), icon["src"]
        assert _fetch(client, icon["src"]).headers["Cache-Control"] == IMMUTABLE


def test_the_plain_name_still_answers_and_is_revalidated(client: FlaskClient) -> None:
    (url,) = [url for url in _static_urls(client, "/offline") if "townhub" in url]
    fingerprinted = _fetch(client, url)
    plain = _fetch(client, "/static/css/townhub.css")

    assert plain.status_code == 200 and plain.mimetype == "text/css"
    assert plain.headers["Cache-Control"] == REVALIDATE
    assert plain.get_data() == fingerprinted.get_data()
    again = _fetch(
        client, "/static/css/townhub.css", headers={"If-None-Match": plain.headers["ETag"]}
    )
    assert again.status_code == 304


def test_another_releases_name_gets_todays_file_revalidated(client: FlaskClient) -> None:
    today = _fetch(client, "/static/css/townhub.css").get_data()

    response = _fetch(client, "/static/css/townhub.0123456789ab.css")

    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == REVALIDATE
    assert response.get_data() == today


def test_a_file_without_a_suffix_keeps_its_plain_name(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context():
        url = url_for("static", filename="vendor/leaflet-1.9.4/LICENSE")

    assert url == "/static/vendor/leaflet-1.9.4/LICENSE"
    assert _fetch(client, url).headers["Cache-Control"] == REVALIDATE


def test_unknown_files_are_not_found(client: FlaskClient) -> None:
    assert client.get("/static/css/missing.css").status_code == 404
    assert client.get("/static/css/missing.0123456789ab.css").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/static/..%2fconfig.py",
        "/static/%2e%2e%2fconfig.py",
        "/static/css/../../config.py",
        "/static/css/%2e%2e/%2e%2e/config.py",
        "/static/..%5cconfig.py",
        "/static/../../pyproject.toml",
        "/static/%2fetc%2fpasswd",
    ],
)
def test_nothing_outside_the_static_folder_is_served(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code in {404, 308}  # 308: Werkzeug merging a doubled slash
    assert b"SECRET_KEY" not in response.get_data()
    assert b"root:" not in response.get_data()


def test_a_fingerprint_on_a_path_outside_the_folder_is_not_found(
    app: Flask, client: FlaskClient
) -> None:
    outside = Path(app.root_path) / "config.py"
    digest = assets.hash_folder(str(outside.parent)).hashes["config.py"]

    assert client.get(f"/static/../config.{digest}.py").status_code == 404


def test_a_changed_file_gets_a_new_name_and_the_others_keep_theirs(tmp_path: Path) -> None:
    one = assets.hash_folder(_release(tmp_path, "one", "body { color: black; }"))
    two = assets.hash_folder(_release(tmp_path, "two", "body { color: navy; }"))

    assert one.url_name("css/townhub.css") != two.url_name("css/townhub.css")
    assert one.url_name("js/app.js") == two.url_name("js/app.js")
    assert one.version != two.version
    assert re.fullmatch(r"css/townhub\.[0-9a-f]{12}\.css", two.url_name("css/townhub.css"))
    assert two.url_name("vendor/htmx-2.0.11.min.js").startswith("vendor/htmx-2.0.11.min.")


def test_after_a_release_the_new_name_is_immutable_and_the_old_one_revalidated(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _release(tmp_path, "one", "body { color: black; }")
    second = _release(tmp_path, "two", "body { color: navy; }")
    monkeypatch.setattr(app, "static_folder", first)
    (old_url,) = [url for url in _static_urls(client, "/offline") if "townhub" in url]
    monkeypatch.setattr(app, "static_folder", second)
    (new_url,) = [url for url in _static_urls(client, "/offline") if "townhub" in url]

    new, old = _fetch(client, new_url), _fetch(client, old_url)

    assert old_url != new_url
    assert new.headers["Cache-Control"] == IMMUTABLE
    assert old.headers["Cache-Control"] == REVALIDATE
    assert new.get_data() == old.get_data() == b"body { color: navy; }"


def test_in_debug_mode_an_edited_file_gets_its_new_name_at_once(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _release(tmp_path, "working-copy", "body { color: black; }")
    monkeypatch.setattr(app, "static_folder", folder)
    monkeypatch.setitem(app.config, "DEBUG", True)
    before = _static_urls(client, "/offline")

    (Path(folder) / "css" / "townhub.css").write_text("body { color: navy; }")

    after = _static_urls(client, "/offline")
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1 and "townhub" in changed[0][1]
