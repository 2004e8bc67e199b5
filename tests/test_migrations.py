"""The migration chain is the only way the schema is made, and it matches the models."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from townhub.common.migrations import include_object
from townhub.extensions import db

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def test_migrations_are_one_numbered_chain() -> None:
    script = ScriptDirectory(str(VERSIONS.parent))
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    for path in VERSIONS.glob("*.py"):
        assert re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", path.name), path.name
    numbers = sorted(int(r.revision) for r in revisions)
    assert numbers == list(range(1, len(numbers) + 1))


def test_models_and_migrations_agree(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
