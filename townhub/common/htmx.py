"""The one place that decides between a full page and an HTMX partial."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template

from townhub.extensions import htmx


def render(
    page: str, partials: dict[str, str] | None = None, status: int = 200, **context: Any
) -> Response:
    """Render `page`, or the partial named for the request's HX-Target when HTMX swaps a region.

    Boosted requests and history restores get the full page. The response always varies
    on HX-Request so caches (and the service worker) keep the two apart.
    """
    template = page
    if htmx and not htmx.boosted and not htmx.history_restore_request and partials:
        template = partials.get(htmx.target or "", page)
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response
