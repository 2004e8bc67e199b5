"""Backups through the real commands: made from a site's data and instance folder, restored
into a separate database and instance folder, and refused, changing nothing, whenever the
file or the setting is wrong."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from PIL import Image

from tests.factories import (
    CLOCK_TOWER,
    make_business,
    make_event,
    make_hub,
    make_offer,
    make_place,
    make_roadwork,
    make_sensor,
    make_subscription,
    make_tracked,
    make_user,
)
from tests.support.databases import MAIN, admin, app_on, scratch_database
from townhub.businesses import profile
from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.ops.backup import migration_chain
from townhub.sensors.models import SensorQuarantine

pytestmark = pytest.mark.live

HEAD = migration_chain(str(Path(__file__).resolve().parents[2] / "migrations"))[1]
# The app's own role on a new server: it owns the database but is no superuser.
APP_ROLE = f"{MAIN.database}_app"
APP_ROLE_PASSWORD = "not-a-superuser"


# The commands, and all a restore could change (scratch databases: tests/support/databases.py)


def run(site: Flask, *args: str, answer: str | None = None) -> Result:
    """`flask --app app ARGS...` on this app; `answer` is typed at any question."""
    with site.app_context():
        return site.test_cli_runner().invoke(args=list(args), input=answer)


def succeeded(result: Result) -> bool:
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return True


def contents(site: Flask) -> dict[str, list[str]]:
    """Every row of every table (PostGIS's own apart), as text: geometry as EWKB."""
    engine = sa.create_engine(site.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        tables = (
            connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'spatial_ref_sys'"
                )
            )
            .scalars()
            .all()
        )
        rows = {
            table: sorted(connection.execute(sa.text(f'SELECT t::text FROM "{table}" t')).scalars())
            for table in tables
        }
    engine.dispose()
    return rows


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def state(site: Flask) -> tuple[object, ...]:
    """All a restore could change: the database, the instance folder and its neighbours."""
    instance = Path(site.instance_path)
    return contents(site), files(instance), sorted(p.name for p in instance.parent.iterdir())


def new_backup(site: Flask, folder: Path) -> Path:
    result = run(site, "backup", "create", "--to", str(folder))
    assert succeeded(result)
    (path,) = [p for p in folder.iterdir() if p.name.startswith("townhub-")]
    return path


def restore_damaged(
    site: Flask, into: Flask, folder: Path, damage: Callable[[Path], None]
) -> tuple[Path, Result, tuple[object, ...]]:
    """A new backup of `site` in `folder`, damaged, restored into `into`: the backup, the
    restore's result, and the state of `into` from before the restore."""
    backup = new_backup(site, folder)
    damage(backup)
    before = state(into)
    result = run(into, "backup", "restore", str(backup), "--yes")
    return backup, result, before


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


# Fixtures


@pytest.fixture
def site(app: Flask) -> Iterator[Flask]:
    """The session's app with a hub full of things, committed, and a shop photo."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    shop = make_business(hub=hub, name="Café Élan", description="Coffee; cake — and Welsh cakes.")
    make_user(businesses=[shop])
    make_user(role="hub_manager", hubs=[hub])
    make_offer(business=shop, radius_m=300)
    make_event(hub=hub)
    make_roadwork(hub=hub)
    make_place(hub=hub)
    make_subscription(hub=hub, centre=CLOCK_TOWER, radius_m=500, topics=["offers", "roadworks"])
    make_tracked(hub=hub)
    sensor = make_sensor(hub=hub)
    hour = datetime(2026, 11, 20, 9, tzinfo=UTC)
    for n, people in enumerate([12, 30, 7]):
        db.session.add(
            FootfallCount(
                sensor_id=sensor.id,
                measured_at=hour.replace(minute=15 * (n + 1)),
                period_minutes=15,
                people=people,
                uplink_id=f"uplink-{n}",
                f_cnt=100 + n,
                readings={"line_in": people},
            )
        )
    db.session.add(
        FootfallRollup(sensor_id=sensor.id, grain="1h", bucket_start=hour, people=49, readings=3)
    )
    db.session.add(
        SensorQuarantine(
            source="mqtt", reason="Unknown device", payload="{}", device_id="x", payload_bytes=2
        )
    )
    db.session.commit()
    profile.set_photo(shop, a_photo(), "The shop front", too_large="Too large", not_a_photo="No")
    photo = shop.photo
    yield app
    for path in (Path(app.instance_path) / "photos").glob(f"{photo}-*.jpg"):
        path.unlink()


@pytest.fixture
def new_server(tmp_path: Path) -> Iterator[Flask]:
    """A new server: an empty database owned by the app's own role, which is no superuser,
    with PostGIS enabled by the administrator; an instance folder with new keys."""
    database = f"{MAIN.database}_new_server"
    admin(
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f'DROP ROLE IF EXISTS "{APP_ROLE}"',
        f"CREATE ROLE \"{APP_ROLE}\" LOGIN NOSUPERUSER PASSWORD '{APP_ROLE_PASSWORD}'",
    )
    try:
        with scratch_database("new_server", owner=APP_ROLE) as url:
            url = url.set(username=APP_ROLE, password=APP_ROLE_PASSWORD)
            server = app_on(url, tmp_path / "new-server" / "instance")
            try:
                yield server
            finally:
                with server.app_context():
                    db.engine.dispose()
    finally:
        admin(f'DROP ROLE IF EXISTS "{APP_ROLE}"')


@contextmanager
def site_with_data_of_its_own(name: str, instance: Path) -> Iterator[Flask]:
    """Another site at the head revision, with a hub of its own."""
    with scratch_database(name) as url:
        other = app_on(url, instance)
        with other.app_context():
            flask_migrate.upgrade()
            make_hub(slug="purley", name="Purley")
            db.session.commit()
            db.session.remove()
        try:
            yield other
        finally:
            with other.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def other_site(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A site that the refused restores below must leave exactly as it is."""
    with site_with_data_of_its_own("other", tmp_path_factory.mktemp("other") / "instance") as other:
        yield other


# Making a backup and restoring it


def test_a_backup_restores_everything_on_a_new_server(
    site: Flask, new_server: Flask, tmp_path: Path
) -> None:
    folder = tmp_path / "backups" / "nightly"
    result = run(site, "backup", "create", "--to", str(folder))
    assert succeeded(result)
    (backup,) = folder.iterdir()
    assert result.output == (
        f"Wrote {backup} ({backup.stat().st_size / 1000:.1f} kB, database at migration"
        f" revision {HEAD}).\n"
    )
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with tarfile.open(backup) as tar:
        assert tar.getnames() == ["manifest.json", "database.dump", "instance.tar.gz"]
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["alembic_revision"] == HEAD
    assert manifest["townhub_version"] == metadata.version("townhub")
    assert backup.name == datetime.fromisoformat(manifest["created_at"]).strftime(
        "townhub-%Y%m%d-%H%M%SZ.tar"
    )

    new_keys = (Path(new_server.instance_path) / "secrets.json").read_bytes()
    result = run(new_server, "backup", "restore", str(backup), "--yes")
    assert succeeded(result)
    instance = Path(new_server.instance_path)
    (kept,) = instance.parent.glob("instance.before-restore-*")
    assert f"Restored the instance folder {instance}." in result.output
    assert f"The instance folder as it was is kept in {kept}." in result.output

    # Every row of every table, geometry included, with the same numbers of rows.
    restored = contents(new_server)
    assert restored == contents(site)
    assert {
        table: len(restored[table])
        for table in ("hubs", "businesses", "users", "offers", "sensors", "footfall_counts")
    } == {"hubs": 1, "businesses": 1, "users": 2, "offers": 1, "sensors": 1, "footfall_counts": 3}
    assert restored["alembic_version"] == [f"({HEAD})"]
    engine = sa.create_engine(new_server.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        shop = connection.execute(
            sa.text("SELECT name, photo, ST_AsText(location) AS at FROM businesses")
        ).one()
        assert (shop.name, shop.at) == ("Café Élan", "POINT(-0.0752 51.3975)")
        geofence = connection.execute(
            sa.text("SELECT ST_AsEWKT(geofence) FROM offers")
        ).scalar_one()
        owners = connection.execute(
            sa.text("SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = ANY(:tables)"),
            {"tables": [table.name for table in db.metadata.sorted_tables]},
        ).scalars()
        assert set(owners) == {APP_ROLE}
    engine.dispose()
    with db.engine.connect() as connection:
        assert (
            geofence
            == connection.execute(sa.text("SELECT ST_AsEWKT(geofence) FROM offers")).scalar_one()
        )
        assert geofence.startswith("SRID=4326;POLYGON((")

    # The instance folder: the keys and the photos, byte for byte.
    assert files(instance) == files(Path(site.instance_path))
    assert {f"photos/{shop.photo}-large.jpg", f"photos/{shop.photo}-small.jpg"} <= set(
        files(instance)
    )
    assert (kept / "secrets.json").read_bytes() == new_keys != files(instance)["secrets.json"]

    # The restored site carries on: new rows get new ids, and it backs itself up.
    last_hub = db.session.scalar(sa.text("SELECT max(id) FROM hubs"))
    with new_server.app_context():
        assert make_hub(slug="thornton-heath").id > last_hub
        db.session.commit()
        db.session.remove()
    assert new_backup(new_server, tmp_path / "from-the-new-server").stat().st_size > 0


def test_a_backup_from_an_older_townhub_is_upgraded_after_restoring(
    app: Flask, tmp_path: Path
) -> None:
    with scratch_database("older") as url:
        older = app_on(url, tmp_path / "older" / "instance")
        with older.app_context():
            flask_migrate.upgrade(revision="0010")
            with db.engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO hubs (slug, name, boundary, theme_colour) VALUES ('purley',"
                        " 'Purley', ST_Buffer(ST_SetSRID(ST_MakePoint(-0.114, 51.3377), 4326),"
                        " 0.005), '#00703c');"
                        "INSERT INTO sensors (hub_id, device_id, network, name, location, kind,"
                        " mapping) SELECT id, 'purley-cross', 'tts', 'Purley Cross',"
                        " ST_SetSRID(ST_MakePoint(-0.114, 51.3377), 4326), 'paxcounter', '{}'"
                        " FROM hubs;"
                        "INSERT INTO footfall_counts (sensor_id, measured_at, period_minutes,"
                        " people) SELECT id, '2026-03-02 10:15Z', 15, 21 FROM sensors;"
                        "INSERT INTO footfall_counts (sensor_id, measured_at, period_minutes,"
                        " people) SELECT id, '2026-03-02 10:30Z', 15, 9 FROM sensors;"
                    )
                )
            db.engine.dispose()
        backup = new_backup(older, tmp_path / "backups")
        with tarfile.open(backup) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert manifest["alembic_revision"] == "0010"

    # The newer site has a table the older backup lacks (footfall_rollups): the restore must
    # drop it too, or the upgrade that follows would fail to make it.
    with site_with_data_of_its_own("newer", tmp_path / "newer" / "instance") as newer:
        result = run(newer, "backup", "restore", str(backup), "--yes")
        assert succeeded(result)
        assert f"Upgraded it from revision 0010 to {HEAD}." in result.output
        engine = sa.create_engine(newer.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as connection:
            sql = connection.execute
            assert sql(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
            assert sql(sa.text("SELECT slug FROM hubs")).scalars().all() == ["purley"]
            assert sql(sa.text("SELECT last_seen_at FROM sensors")).scalar_one() == datetime(
                2026, 3, 2, 10, 30, tzinfo=UTC
            )
            assert sql(
                sa.text(
                    "SELECT grain, people, readings FROM footfall_rollups"
                    " ORDER BY grain, bucket_start"
                )
            ).all() == [("15m", 21, 1), ("15m", 9, 1), ("1d", 30, 2), ("1h", 30, 2)]
        engine.dispose()


def test_backups_beyond_keep_are_deleted_oldest_first_and_nothing_else(
    site: Flask, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    older = [folder / f"townhub-2026110{day}-020000Z.tar" for day in range(1, 5)]
    others = [
        "notes.txt",
        "townhub-before-the-upgrade.tar",
        "townhub-20251101-020000Z.tar.gz",
        "copy-of-townhub-20251101-020000Z.tar",
        # Another run's work file, and one a killed run left behind (below).
        ".townhub-in-progress.tar",
    ]
    for path in [*older, *(folder / name for name in others)]:
        path.write_bytes(b"not really a backup")
    abandoned = folder / ".townhub-killed-two-days-ago"
    abandoned.mkdir()
    (abandoned / "database.dump").write_bytes(b"PGDMP")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))

    result = run(site, "backup", "create", "--to", str(folder), "--keep", "3")
    assert succeeded(result)
    (new,) = {p for p in folder.glob("townhub-*Z.tar")} - set(older)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [older[2].name, older[3].name, new.name, *others]
    )
    assert result.output.splitlines()[1:] == [
        f"Deleted the old backup {older[0]}.",
        f"Deleted the old backup {older[1]}.",
    ]

    listed = run(site, "backup", "list", "--in", str(folder))
    assert succeeded(listed)
    lines = listed.output.splitlines()
    assert lines[0].split() == ["File", "Taken", "(UTC)", "Size", "Revision", "Townhub"]
    assert lines[1].startswith(new.name)
    assert lines[1].split()[-2:] == [HEAD, metadata.version("townhub")]
    assert [line.split()[0] for line in lines[2:]] == [older[3].name, older[2].name]
    assert "is not a Townhub backup: it is not a tar file." in lines[2]


# Refusing, and changing nothing


def not_a_tar_file(path: Path) -> None:
    path.write_bytes(b"PGDMP and some other bytes")


def someone_elses_tar_file(path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        tar.add(__file__, arcname="test_backup.py")


def one_byte_flipped_in_the_dump(path: Path) -> None:
    with tarfile.open(path) as tar:
        member = tar.getmember("database.dump")
    with path.open("r+b") as file:
        file.seek(member.offset_data + member.size // 2)
        byte = file.read(1)[0]
        file.seek(-1, os.SEEK_CUR)
        file.write(bytes([byte ^ 0x01]))


def _rewrite(path: Path, change: Callable[[dict[str, bytes], dict[str, Any]], None]) -> None:
    """Write the backup again after `change(parts, manifest)`."""
    with tarfile.open(path) as tar:
        parts = {member.name: tar.extractfile(member).read() for member in tar}  # type: ignore[union-attr]
    manifest = json.loads(parts.pop("manifest.json"))
    change(parts, manifest)
    with tarfile.open(path, "w") as tar:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *parts.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def from_a_newer_townhub(path: Path) -> None:
    _rewrite(
        path, lambda _, manifest: manifest.update(alembic_revision="0099", townhub_version="9.1.0")
    )


def claiming_another_revision(path: Path) -> None:
    """A manifest that disagrees with its dump: found only once the dump is loaded."""
    _rewrite(path, lambda _, manifest: manifest.update(alembic_revision="0010"))


def cut_short_with_checksums_to_match(path: Path) -> None:
    """A dump missing its end (a disk filled up): pg_restore finds out only part way
    through loading it."""

    def change(parts: dict[str, bytes], manifest: dict[str, Any]) -> None:
        dump = parts["database.dump"][:-16]
        parts["database.dump"] = dump
        manifest["parts"]["database.dump"] = {
            "sha256": hashlib.sha256(dump).hexdigest(),
            "size": len(dump),
        }

    _rewrite(path, change)


def escaping_its_folder(path: Path) -> None:
    """An instance archive (checksums to match) with a file that would land outside the
    instance folder."""

    def change(parts: dict[str, bytes], manifest: dict[str, Any]) -> None:
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as tar:
            info = tarfile.TarInfo("../escaped.txt")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"owned"))
        parts["instance.tar.gz"] = packed.getvalue()
        manifest["parts"]["instance.tar.gz"] = {
            "sha256": hashlib.sha256(packed.getvalue()).hexdigest(),
            "size": len(packed.getvalue()),
        }

    _rewrite(path, change)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            escaping_its_folder,
            ": instance.tar.gz cannot be unpacked: '../escaped.txt' is not a plain file inside"
            " the folder.",
        ),
        (not_a_tar_file, " is not a Townhub backup: it is not a tar file."),
        (someone_elses_tar_file, " is not a Townhub backup: it has no manifest.json."),
        (
            one_byte_flipped_in_the_dump,
            " is damaged: database.dump does not match the checksum in its manifest.",
        ),
        (
            from_a_newer_townhub,
            " is from a newer Townhub (9.1.0): its database is at migration revision 0099, which"
            f" this Townhub ({metadata.version('townhub')}, newest revision {HEAD}) does not"
            " know. Install Townhub 9.1.0 first, then restore.",
        ),
    ],
    ids=[
        "escaping its folder",
        "not a tar file",
        "someone else's tar file",
        "a byte changed",
        "from a newer Townhub",
    ],
)
def test_a_bad_backup_is_refused_and_nothing_changes(
    site: Flask, other_site: Flask, tmp_path: Path, damage: Callable[[Path], None], message: str
) -> None:
    backup, result, before = restore_damaged(site, other_site, tmp_path / "backups", damage)

    assert result.exit_code == 1
    assert result.output == f"Error: {backup.name}{message}\n"
    assert state(other_site) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(
            claiming_another_revision,
            "Error: Restoring the database failed, so it is as it was: ERROR: the restored"
            " database is not at migration revision 0010",
            id="manifest and dump disagree",
        ),
        pytest.param(
            cut_short_with_checksums_to_match,
            "Error: pg_restore could not read the whole dump, so the database is as it was:"
            " pg_restore: error: could not read from input file: end of file",
            id="dump cut short",
        ),
    ],
)
def test_a_restore_failing_part_way_changes_nothing(
    site: Flask, other_site: Flask, tmp_path: Path, damage: Callable[[Path], None], message: str
) -> None:
    _, result, before = restore_damaged(site, other_site, tmp_path / "backups", damage)

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == message
    assert state(other_site) == before


def test_answering_no_changes_nothing(site: Flask, other_site: Flask, tmp_path: Path) -> None:
    backup = new_backup(site, tmp_path / "backups")
    before = state(other_site)

    result = run(other_site, "backup", "restore", str(backup), answer="n\n")

    assert result.exit_code == 1
    assert "with this backup? [y/N]: n\nNothing was changed.\n" in result.output
    assert state(other_site) == before


def test_pg_dump_failing_leaves_no_file(app: Flask, tmp_path: Path) -> None:
    missing = app_on(MAIN.set(database=f"{MAIN.database}_missing"), tmp_path / "instance")
    folder = tmp_path / "backups"
    folder.mkdir()

    result = run(missing, "backup", "create", "--to", str(folder))

    assert result.exit_code == 1
    assert result.output.startswith("Error: pg_dump failed: pg_dump: error: connection to server")
    assert f'database "{MAIN.database}_missing" does not exist' in result.output
    assert len(result.output.splitlines()) == 1
    assert list(folder.iterdir()) == []


def test_without_pg_dump_nothing_is_written(
    site: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    folder = tmp_path / "backups"

    result = run(site, "backup", "create", "--to", str(folder))

    assert result.exit_code == 1
    assert result.output == (
        "Error: pg_dump was not found: install the PostgreSQL client tools of the server's"
        " version or newer (Debian: apt install postgresql-client).\n"
    )
    assert list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_refused(site: Flask, tmp_path: Path) -> None:
    in_the_way = tmp_path / "backups"
    in_the_way.write_text("a file where the folder should be")

    result = run(site, "backup", "create", "--to", str(in_the_way / "nightly"))

    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: Cannot write backups to {in_the_way / 'nightly'}: Not a directory.\n"
    )
    assert list(tmp_path.iterdir()) == [in_the_way]
