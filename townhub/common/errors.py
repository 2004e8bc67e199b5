"""Error pages for people and RFC 9457 problem documents for machines."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

# Paths whose clients are programs, not people: they get JSON problems.
MACHINE_PREFIXES = (
    "/api/",
    "/push/",
    "/sensors/webhooks/",
    "/healthz",
    "/roadworks/street-manager",
)


# Paths that read their own body, within their own limit and rules (sensor webhooks keep
# even an oversized or NUL-bearing message, in quarantine).
RAW_BODY_PREFIXES = ("/sensors/webhooks/",)

# Views taking a photo straight from a phone's camera; every other request stays small.
UPLOAD_ENDPOINTS = frozenset({"profile.photo"})


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """A JSON problem document (RFC 9457) with the given status."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def wants_problem() -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul_bytes() -> None:
    """PostgreSQL cannot store NUL in text: refuse it up front with a 400, not a crash."""
    if request.path.startswith(RAW_BODY_PREFIXES) and "\x00" not in request.path:
        return
    try:
        form = list(request.form.items())
    except RequestEntityTooLarge:
        # The view says so in its own words (a photo form re-renders with the error), or
        # Flask answers 413.
        form = []
    if "\x00" in request.path or any(
        "\x00" in k or "\x00" in v for k, v in [*request.args.items(), *form]
    ):
        abort(
            400,
            description=gettext("The address or form contains a character that is not allowed."),
        )
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            abort(400, description=gettext("The JSON body is nested too deeply."))
        if _has_nul(body):
            abort(
                400,
                description=gettext(
                    "The address or form contains a character that is not allowed."
                ),
            )


def _hub_in_path() -> Any:
    """The hub the failed address was under, so the error page can lead back to it."""
    from townhub.hubs import service

    slug = request.path.strip("/").split("/")[0]
    if not slug or slug in service.RESERVED_SLUGS or len(slug) > 60:
        return None
    try:
        return service.get_hub(slug)
    except (service.HubNotFound, SQLAlchemyError):
        return None


def allow_large_uploads() -> None:
    """Raise the request size limit for the forms that take a photo."""
    if request.method == "POST" and request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["MAX_PHOTO_BYTES"] + 64 * 1024


def register(app: Flask) -> None:
    # First of all, before CSRF protection reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_uploads)
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        status = error.code or 500
        if wants_problem():
            return problem(status, error.name, error.description or error.name)
        return render_template(
            "errors/error.html",
            error=error,
            status=status,
            hub=_hub_in_path(),
            # Werkzeug's stock descriptions are English; ours are translated.
            own_description=error.description != type(error).description,
        ), status
