"""Error pages for people and RFC 9457 problem documents for machines."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

# Paths whose clients are programs, not people: they get JSON problems.
MACHINE_PREFIXES = ("/api/", "/push/", "/sensors/webhooks/", "/healthz")


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """A JSON problem document (RFC 9457) with the given status."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def wants_problem() -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        status = error.code or 500
        if wants_problem():
            return problem(status, error.name, error.description or error.name)
        return render_template("errors/error.html", error=error, status=status), status
