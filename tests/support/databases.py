"""Databases of a test's own beside the session's test database, on the same server, with
a second app on them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from tests.conftest import TEST_DATABASE_URL
from townhub import create_app

MAIN = sa.make_url(TEST_DATABASE_URL)


def admin(*statements: str, database: str = "postgres") -> None:
    """Run statements as the test database's user, each committed on its own."""
    engine = sa.create_engine(MAIN.set(database=database), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


@contextmanager
def scratch_database(
    name: str, *, owner: str | None = None, template: str | None = None, postgis: bool = True
) -> Iterator[sa.URL]:
    """A new database, with PostGIS enabled (as the administrator does once) unless told
    otherwise, dropped at the end. Its name starts with the test database's."""
    database = f"{MAIN.database}_{name}"
    admin(
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f'CREATE DATABASE "{database}"'
        + (f' OWNER "{owner}"' if owner else "")
        + (f" TEMPLATE {template}" if template else ""),
    )
    if postgis:
        admin("CREATE EXTENSION postgis", database=database)
    try:
        yield MAIN.set(database=database)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def app_on(url: sa.URL, instance: Path) -> Flask:
    """Another Townhub: this database, this instance folder (made, with its own keys)."""
    previous = os.environ["TOWNHUB_INSTANCE"]
    os.environ["TOWNHUB_INSTANCE"] = str(instance)
    try:
        return create_app("test", {"SQLALCHEMY_DATABASE_URI": url.render_as_string(False)})
    finally:
        os.environ["TOWNHUB_INSTANCE"] = previous
