"""Security headers on every response. No inline scripts: the CSP forbids them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_babel import gettext


def _tile_origin() -> str:
    tile_url = current_app.config.get("TILE_URL", "")
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    return f" {parts.scheme}://{parts.netloc}"


def register(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data:{_tile_origin()}; connect-src 'self'; "
            "manifest-src 'self'; worker-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
        )
        return response


def require_same_origin() -> None:
    """Refuse a cross-site POST (403). For resident actions that need no session, and so no
    CSRF token: browsers say where a request came from in Sec-Fetch-Site and Origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in {"same-origin", "none"}:
        abort(403, description=gettext("This can only be done from the hub's own pages."))
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        abort(403, description=gettext("This can only be done from the hub's own pages."))
