from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from townhub.common import assets

bp = Blueprint("pwa", __name__)

# A static file named in sw.js, in quotes: "/static/css/townhub.css".
_STATIC_URL = re.compile(r'"/static/([^"]+)"')


def _service_worker(static_folder: str) -> str:
    """sw.js for this release: every static file it names fingerprinted, and a version
    that changes whenever any static file changes, so a new release replaces the old
    caches."""
    files = assets.static_files(static_folder)
    source = (Path(static_folder) / "js" / "sw.js").read_text()
    source = _STATIC_URL.sub(lambda match: f'"/static/{files.url_name(match[1])}"', source)
    return source.replace("__TOWNHUB_VERSION__", files.version)


@bp.get("/sw.js")
def service_worker() -> Response:
    # Served from the root so its scope covers every hub; revalidated on every visit so a
    # new release is picked up.
    response = Response(
        _service_worker(current_app.static_folder or "static"), mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline() -> str:
    return render_template("pwa/offline.html")


@bp.get("/robots.txt")
def robots() -> Response:
    # Hub pages are public and meant to be found; the signed-in pages are not.
    return Response(
        "User-agent: *\nDisallow: /manage/\nDisallow: /push/\nDisallow: /language/\n",
        mimetype="text/plain",
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    # Pages name their icon; this answers browsers and tools that ask the old way.
    return send_from_directory(
        current_app.static_folder or "static", "icons/icon-192.png", mimetype="image/png"
    )
