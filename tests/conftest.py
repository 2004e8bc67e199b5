"""Test foundations: a real PostGIS database built by the migrations, each test in a
transaction rolled back at the end, and a client that checks every HTML page it gets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from werkzeug.test import TestResponse

from tests.support.html import page_problems
from townhub import create_app
from townhub.config import DEFAULT_TEST_DATABASE_URL
from townhub.extensions import db, limiter

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


def _recreate_test_database() -> None:
    url = sa.make_url(TEST_DATABASE_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(
            sa.text(
                f"CREATE DATABASE \"{url.database}\" ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            )
        )
    admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app in test configuration on a fresh database built by running the migrations."""
    _recreate_test_database()
    os.environ["TOWNHUB_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    application = create_app("test", {"SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
    application.test_client_class = CheckedClient
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session, pinned to the test's connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Every test runs in a transaction rolled back at the end; service commits become
    savepoints. Tests marked `live` instead see committed data and clean up by deleting."""
    if request.node.get_closest_marker("live"):
        with app.app_context():
            yield
            delete_everything()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _BoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def delete_everything() -> None:
    """Empty every Townhub table (for tests that commit across threads and processes)."""
    db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class CheckedClient(FlaskClient):
    """A test client that checks every full HTML page it receives."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Requests in a test share its app context: forget the last request's user, CSRF
        # token and language, as a new request would.
        for name in list(g):
            g.pop(name)
        response = super().open(*args, **kwargs)
        is_partial = "HX-Request" in (kwargs.get("headers") or {})
        has_page = response.status_code != 204 and not 300 <= response.status_code < 400
        if response.mimetype == "text/html" and not is_partial and has_page:
            problems = page_problems(response.get_data(as_text=True))
            assert not problems, f"{response.request.path}: " + "; ".join(problems)
        return response


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Flask) -> None:
    """Each test starts with no sign-in attempts or reports counted."""
    limiter.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckedClient
    return app.test_client()
