"""Choosing the language of the pages: a plain link on every page, remembered in a cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request
from flask_babel import gettext
from werkzeug.wrappers import Response

bp = Blueprint("languages", __name__)

COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600
# Each language named in itself, as the switcher shows it.
NAMES = {"en": "English", "cy": "Cymraeg", "ur": "اردو"}


def _local_path(target: str | None) -> str:
    """Where to go back to: a path on this site only, never another site."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):  # type: ignore[union-attr]
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/language/<code>")
def choose(code: str) -> Response:
    if code not in current_app.config["LANGUAGES"]:
        abort(404, description=gettext("Townhub is not available in that language."))
    response = redirect(_local_path(request.args.get("next")), 303)
    response.set_cookie(
        COOKIE, code, max_age=ONE_YEAR, secure=request.is_secure, httponly=True, samesite="Lax"
    )
    return response
