"""Alembic settings shared by env.py and the test that models and migrations agree."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import alembic_helpers

# Tables that belong to PostGIS itself, not to Townhub.
POSTGIS_TABLES = frozenset({"spatial_ref_sys", "geography_columns", "geometry_columns"})

render_item = alembic_helpers.render_item


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    return bool(
        alembic_helpers.include_object(obj, name, type_, reflected, compare_to)  # type: ignore[no-untyped-call]
    )
