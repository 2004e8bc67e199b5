"""The migration chain is the only way the schema is made, it matches the models, every
step can be undone, and upgrading keeps the data already there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from tests.support.databases import app_on, scratch_database
from townhub.common.migrations import POSTGIS_TABLES, include_object
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
        assert _differences_from_models(connection) == []


def _differences_from_models(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"include_object": include_object, "compare_type": True}
    )
    return list(compare_metadata(context, db.metadata))


# Scratch databases: each test below makes its own, so the session's test database is
# never touched, and drops it at the end.


@contextmanager
def scratch_app(name: str, instance: Path) -> Iterator[tuple[Flask, sa.Engine]]:
    """A second app on a new, empty database of its own, and an engine for checking it."""
    with scratch_database(name, template="template0", postgis=False) as url:
        scratch = app_on(url, instance)
        engine = sa.create_engine(url)
        try:
            yield scratch, engine
        finally:
            engine.dispose()
            with scratch.app_context():
                db.engine.dispose()


# What a database's schema is, apart from PostGIS's own tables and views and the
# alembic_version table: every column, constraint, index and sequence.
SCHEMA = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    """,
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "sequences": """
        SELECT sequencename, data_type::text FROM pg_sequences WHERE schemaname = 'public'
    """,
}
NOT_TOWNHUBS = POSTGIS_TABLES | {"alembic_version", "alembic_version_pkc"}


def _schema(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    with engine.connect() as connection:
        return {
            kind: sorted(
                tuple(str(value) for value in row)
                for row in connection.execute(sa.text(query))
                if row[0] not in NOT_TOWNHUBS
            )
            for kind, query in SCHEMA.items()
        }


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_every_migration_steps_down_and_up_again(tmp_path: Path) -> None:
    """Down one revision at a time to the base, each step leaving exactly the schema the
    revision below made, then up to the head again. 0001's downgrade is meant to keep
    PostGIS (other databases and the role may rely on it), so the base still has it."""
    chain = [
        r.revision for r in reversed(list(ScriptDirectory(str(VERSIONS.parent)).walk_revisions()))
    ]
    with scratch_app("steps", tmp_path) as (scratch, engine), scratch.app_context():
        schemas: dict[str | None, dict[str, list[tuple[str, ...]]]] = {None: _schema(engine)}
        for revision in chain:
            flask_migrate.upgrade(revision=revision)
            schemas[revision] = _schema(engine)
        assert schemas[None] == {kind: [] for kind in SCHEMA}

        for below, revision in reversed(list(zip([None, *chain[:-1]], chain, strict=True))):
            flask_migrate.downgrade(revision=below or "base")
            assert _revision(engine) == below
            assert _schema(engine) == schemas[below], f"downgrading {revision}"
        with engine.connect() as connection:
            extensions = connection.execute(sa.text("SELECT extname FROM pg_extension"))
            assert "postgis" in set(extensions.scalars())

        flask_migrate.upgrade()
        assert _revision(engine) == chain[-1]
        assert _schema(engine) == schemas[chain[-1]]
        with engine.connect() as connection:
            assert _differences_from_models(connection) == []


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_upgrading_to_0011_keeps_footfall_and_fills_in_its_new_columns(tmp_path: Path) -> None:
    """0011 adds sensor health, quarantine details and roll-ups to a live site's data:
    counts stay as they were, each sensor was last seen at its latest count, the
    quarantine learns each payload's size in bytes, and every count is filed under its
    15 minutes, hour (UTC) and London day, at the middle of the period it covers."""
    with scratch_app("upgrade", tmp_path) as (scratch, engine), scratch.app_context():
        flask_migrate.upgrade(revision="0010")
        with engine.begin() as connection:
            sql = connection.execute
            hub = sql(
                sa.text(
                    "INSERT INTO hubs (slug, name, boundary, theme_colour)"
                    " VALUES ('south-norwood', 'South Norwood', ST_GeomFromText('POLYGON(("
                    "-0.079 51.3955, -0.07 51.3955, -0.07 51.401, -0.079 51.401, -0.079 51.3955"
                    "))', 4326), '#1d70b8') RETURNING id"
                )
            ).scalar_one()
            sensors = {
                device: sql(
                    sa.text(
                        "INSERT INTO sensors (hub_id, device_id, dev_eui, network, name, location,"
                        " kind, mapping) VALUES (:hub, :device, :eui, 'tts', :device,"
                        " ST_SetSRID(ST_MakePoint(-0.0752, 51.3975), 4326), 'paxcounter',"
                        " '{\"period_minutes\": 15}') RETURNING id"
                    ),
                    {"hub": hub, "device": device, "eui": eui},
                ).scalar_one()
                for device, eui in (
                    ("clock-tower", "70B3D57ED0000001"),
                    ("station-road", "70B3D57ED0000002"),
                    ("new-and-silent", None),
                )
            }
            counts = [
                # (sensor, measured_at, period in minutes, people, uplink id)
                ("clock-tower", "2026-06-30 22:50", 15, 7, "up-1"),
                ("clock-tower", "2026-06-30 23:10", 15, 5, "up-2"),
                ("clock-tower", "2026-06-30 23:20", 15, 4, "up-3"),
                ("clock-tower", "2026-06-30 23:05", 60, 30, "up-4"),
                ("clock-tower", "2026-01-15 12:00", 15, 3, None),
                ("station-road", "2026-06-30 23:10", 15, 11, "up-5"),
            ]
            for device, measured_at, minutes, people, uplink in counts:
                sql(
                    sa.text(
                        "INSERT INTO footfall_counts (sensor_id, measured_at, period_minutes,"
                        " people, uplink_id) VALUES (:sensor, :at, :minutes, :people, :uplink)"
                    ),
                    {
                        "sensor": sensors[device],
                        "at": _at(measured_at),
                        "minutes": minutes,
                        "people": people,
                        "uplink": uplink,
                    },
                )
            payloads = ['{"deviceInfo": {"devEui": "70b3d57ed0000009"}}', "Café ☕: not JSON"]
            for payload in payloads:
                sql(
                    sa.text(
                        "INSERT INTO sensor_quarantine (received_at, source, reason, payload)"
                        " VALUES (now(), 'mqtt', 'Unknown device', :payload)"
                    ),
                    {"payload": payload},
                )
            counts_before = sql(sa.text("SELECT * FROM footfall_counts ORDER BY id")).all()

        flask_migrate.upgrade(revision="0011")

        with engine.connect() as connection:
            sql = connection.execute
            assert _revision(engine) == "0011"
            counts_after = sql(
                sa.text(
                    "SELECT id, sensor_id, measured_at, period_minutes, people, uplink_id"
                    " FROM footfall_counts ORDER BY id"
                )
            ).all()
            assert counts_after == counts_before
            assert (
                sql(
                    sa.text(
                        "SELECT count(*) FROM footfall_counts WHERE f_cnt IS NOT NULL"
                        " OR readings IS NOT NULL"
                    )
                ).scalar_one()
                == 0
            )

            health = sql(
                sa.text(
                    "SELECT device_id, last_seen_at, operator, placement, last_f_cnt,"
                    " battery_percent, battery_volts, rssi, snr, silent_since FROM sensors"
                )
            ).all()
            assert {row.device_id: row.last_seen_at for row in health} == {
                "clock-tower": _at("2026-06-30 23:20"),
                "station-road": _at("2026-06-30 23:10"),
                "new-and-silent": None,
            }
            assert {(row.operator, row.placement) for row in health} == {("", "")}
            assert {tuple(row)[4:] for row in health} == {(None,) * 6}

            quarantine = sql(
                sa.text(
                    "SELECT payload, payload_bytes, hub_id, sensor_id, device_id"
                    " FROM sensor_quarantine ORDER BY id"
                )
            ).all()
            assert [tuple(row) for row in quarantine] == [
                (payload, len(payload.encode()), None, None, None) for payload in payloads
            ]
            assert len(payloads[1].encode()) > len(payloads[1])  # bytes, not characters

            rollups = sql(
                sa.text(
                    "SELECT s.device_id, r.grain, r.bucket_start, r.people, r.readings"
                    " FROM footfall_rollups r JOIN sensors s ON s.id = r.sensor_id"
                )
            ).all()
        # 22:50 over 15 minutes is 22:42:30 and 23:05 over an hour is 22:35: both in London's
        # 30 June (BST). 23:10 and 23:20 are past midnight in London: 1 July, which starts at
        # 23:00 UTC. In January London is on GMT.
        assert sorted(tuple(row) for row in rollups) == sorted(
            [
                ("clock-tower", "15m", _at("2026-06-30 22:30"), 37, 2),
                ("clock-tower", "15m", _at("2026-06-30 23:00"), 9, 2),
                ("clock-tower", "15m", _at("2026-01-15 11:45"), 3, 1),
                ("clock-tower", "1h", _at("2026-06-30 22:00"), 37, 2),
                ("clock-tower", "1h", _at("2026-06-30 23:00"), 9, 2),
                ("clock-tower", "1h", _at("2026-01-15 11:00"), 3, 1),
                ("clock-tower", "1d", _at("2026-06-29 23:00"), 37, 2),
                ("clock-tower", "1d", _at("2026-06-30 23:00"), 9, 2),
                ("clock-tower", "1d", _at("2026-01-15 00:00"), 3, 1),
                ("station-road", "15m", _at("2026-06-30 23:00"), 11, 1),
                ("station-road", "1h", _at("2026-06-30 23:00"), 11, 1),
                ("station-road", "1d", _at("2026-06-30 23:00"), 11, 1),
            ]
        )
