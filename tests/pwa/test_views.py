"""The service worker names this release's fingerprinted files."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from townhub.common import assets
from townhub.common.assets import IMMUTABLE

QUOTED_STATIC_URL = re.compile(r'"(/static/[^"]+)"')


def test_the_service_worker_precaches_fingerprinted_urls_that_answer(
    app: Flask, client: FlaskClient
) -> None:
    body = client.get("/sw.js").get_data(as_text=True)
    precache = re.search(r"const PRECACHE = \[(.*?)\];", body, re.DOTALL)

    assert precache is not None
    urls = QUOTED_STATIC_URL.findall(body)
    assert set(QUOTED_STATIC_URL.findall(precache[1])) >= {
        url for url in urls if "icon-192" not in url
    }
    assert '"/offline"' in precache[1]
    assert len(set(urls)) == 4
    for url in urls:
        assert re.fullmatch(r"/static/.+\.[0-9a-f]{12}\.[a-z0-9]+", url), url
        with client.get(url) as response:
            response.get_data()
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
    assert f'const VERSION = "{assets.static_files(app.static_folder).version}";' in body
    assert client.get("/offline").status_code == 200


def test_the_service_worker_itself_is_revalidated(client: FlaskClient) -> None:
    response = client.get("/sw.js")

    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
