"""Helpers for posting forms the way a browser does: with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return next(group for group in match.groups() if group)


def submit(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
    """GET the form for its CSRF token, then POST the fields."""
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data}, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str) -> TestResponse:
    return submit(client, "/manage/sign-in", {"email": email, "password": password})
