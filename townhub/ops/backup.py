"""Backups: the database and the instance folder in one file, and putting them back.

A backup is `townhub-YYYYMMDD-HHMMSSZ.tar` (UTC), an uncompressed tar holding

- manifest.json: when it was taken, by which Townhub, the database's migration revision,
  and the SHA-256 and size of the other two parts;
- database.dump: the whole database in pg_dump's custom format;
- instance.tar.gz: the instance folder (secrets.json with the secret and VAPID keys,
  photos/, and anything else kept there).

The PostgreSQL client tools (pg_dump, pg_restore, psql) do the database work, so a
backup can also be read by hand: `tar xf FILE database.dump && pg_restore -l database.dump`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory

FORMAT = "townhub-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PART = "database.dump"
INSTANCE_PART = "instance.tar.gz"
PARTS = (DATABASE_PART, INSTANCE_PART)
DEFAULT_FOLDER = "/var/backups/townhub"
DEFAULT_KEEP = 14
NAME = re.compile(r"townhub-\d{8}-\d{6}Z\.tar")
# Work files and folders start with a dot and never match NAME: listing and pruning skip
# them. A run that is killed leaves them behind; a later run removes them once old enough
# that no other run can still be using them.
WORK_PREFIX = ".townhub-"
ABANDONED_AFTER_SECONDS = 24 * 3600
# pg_dump waits this long for a table that another session holds locked (a migration),
# then fails instead of hanging the nightly run.
LOCK_WAIT = "5min"
CHUNK = 1024 * 1024
REVISION = re.compile(r"\w+")
# Entries of a dump that are not restored. Extensions are created (if missing) instead of
# dropped and recreated: only a superuser may do that, and the app's own role is not one.
# PostGIS's table of coordinate systems belongs to PostGIS, which fills it itself.
NOT_RESTORED = re.compile(
    r"\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION |SCHEMA - public |COMMENT - SCHEMA public "
    r"|TABLE DATA public spatial_ref_sys )"
)
EXTENSION = re.compile(r"^\d+; \d+ \d+ EXTENSION - (\w+)", re.MULTILINE)
# Empties the database of everything a dump holds, leaving extensions (PostGIS) alone.
# Objects newer migrations added must go too, or upgrading an older backup would fail.
CLEAR_DATABASE = """
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT CASE c.relkind
                   WHEN 'v' THEN 'VIEW'
                   WHEN 'm' THEN 'MATERIALIZED VIEW'
                   WHEN 'S' THEN 'SEQUENCE'
                   WHEN 'f' THEN 'FOREIGN TABLE'
                   ELSE 'TABLE'
               END AS kind,
               format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', item.kind, item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', item.name);
    END LOOP;
    FOR item IN
        SELECT t.oid::regtype AS name
        FROM pg_type t
        LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE t.typnamespace = 'public'::regnamespace
          AND t.typtype IN ('e', 'd', 'r', 'm', 'c') AND coalesce(c.relkind, 'c') = 'c'
          AND NOT EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', item.name);
    END LOOP;
END
$$;
"""
CHECK_REVISION = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM public.alembic_version WHERE version_num = '{revision}') THEN
        RAISE EXCEPTION 'the restored database is not at migration revision {revision}';
    END IF;
END
$$;
"""


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why and what changed."""


@dataclass(frozen=True)
class Part:
    sha256: str
    size: int

    @classmethod
    def of(cls, path: Path) -> Part:
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
        return cls(digest.hexdigest(), path.stat().st_size)


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    townhub_version: str
    alembic_revision: str
    database: str
    instance: str
    parts: Mapping[str, Part]

    def to_json(self) -> bytes:
        values = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at.isoformat(),
            "townhub_version": self.townhub_version,
            "alembic_revision": self.alembic_revision,
            "database": self.database,
            "instance": self.instance,
            "parts": {
                name: {"sha256": part.sha256, "size": part.size}
                for name, part in self.parts.items()
            },
        }
        return (json.dumps(values, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes, file_name: str) -> Manifest:
        """Read a manifest. Raises BackupError when it is not a Townhub one or is damaged."""
        try:
            values = json.loads(raw)
        except ValueError:
            raise BackupError(
                f"{file_name} is not a Townhub backup: {MANIFEST} is not JSON."
            ) from None
        if not isinstance(values, dict) or values.get("format") != FORMAT:
            raise BackupError(f"{file_name} is not a Townhub backup: its {MANIFEST} is another's.")
        if values.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{file_name} is in backup format {values.get('format_version')!r}, which this"
                f" Townhub cannot read: restore it with Townhub {values.get('townhub_version')}."
            )
        try:
            manifest = cls(
                created_at=datetime.fromisoformat(values["created_at"]),
                townhub_version=str(values["townhub_version"]),
                alembic_revision=str(values["alembic_revision"]),
                database=str(values.get("database", "")),
                instance=str(values.get("instance", "")),
                parts={
                    name: Part(
                        str(values["parts"][name]["sha256"]), int(values["parts"][name]["size"])
                    )
                    for name in PARTS
                },
            )
        except KeyError as missing:
            raise BackupError(
                f"{file_name} has a damaged {MANIFEST}: {missing} is missing."
            ) from None
        except (TypeError, ValueError) as error:
            raise BackupError(f"{file_name} has a damaged {MANIFEST}: {error}.") from None
        if manifest.created_at.tzinfo is None or not REVISION.fullmatch(manifest.alembic_revision):
            raise BackupError(f"{file_name} has a damaged {MANIFEST}.")
        return manifest


@dataclass(frozen=True)
class Database:
    """How the PostgreSQL tools reach a database: a libpq connection string without the
    password, which travels in PGPASSWORD so that it never shows in the process list."""

    conninfo: str
    password: str | None
    name: str
    where: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        """From a SQLAlchemy URL (postgresql+psycopg://user:password@host:port/name?...).
        Raises BackupError for anything else."""
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError:
            parsed = None
        if parsed is None or parsed.get_backend_name() != "postgresql" or not parsed.database:
            raise BackupError(
                "The database URL is not a PostgreSQL one naming a database, like"
                " postgresql+psycopg://townhub:PASSWORD@127.0.0.1:5432/townhub."
            )
        query = {
            key: value if isinstance(value, str) else value[-1]
            for key, value in parsed.query.items()
        }
        password = parsed.password or query.pop("password", None)
        settings = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.username,
            "dbname": parsed.database,
            **query,
        }
        conninfo = " ".join(
            f"{key}={_quoted(str(value))}"
            for key, value in settings.items()
            if value not in (None, "")
        )
        host = parsed.host or query.get("host") or "the local socket"
        where = f"{parsed.database} on {host}" + (f":{parsed.port}" if parsed.port else "")
        return cls(conninfo, None if password is None else str(password), parsed.database, where)

    def environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        if self.password is not None:
            environment["PGPASSWORD"] = self.password
        return environment


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# Making a backup


@dataclass(frozen=True)
class Created:
    path: Path
    size: int
    revision: str
    deleted: list[Path]


def create(*, database_url: str, instance: Path, folder: Path, keep: int) -> Created:
    """Write a new backup into `folder`, then delete all but the newest `keep` there.
    Raises BackupError, leaving no partial file."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    database = Database.from_url(database_url)
    if not instance.is_dir():
        raise BackupError(f"The instance folder {instance} does not exist.")
    taken = datetime.now(UTC).replace(microsecond=0)
    final = folder / f"townhub-{_stamp(taken)}.tar"
    _prepare_folder(folder)
    if final.exists():
        raise BackupError(f"{final} already exists: run again in a second.")
    try:
        work = tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=folder)
    except OSError as error:
        raise BackupError(f"Cannot write to {folder}: {error.strerror or error}.") from None
    with work:
        parts = Path(work.name)
        _dump(database, parts / DATABASE_PART)
        revision = _revision_in(parts / DATABASE_PART)
        _pack_instance(instance, parts / INSTANCE_PART, leave_out=folder)
        manifest = Manifest(
            created_at=taken,
            townhub_version=_townhub_version(),
            alembic_revision=revision,
            database=database.name,
            instance=str(instance),
            parts={name: Part.of(parts / name) for name in PARTS},
        )
        _write_atomically(final, manifest, parts)
    return Created(final, final.stat().st_size, revision, _prune(folder, keep, final))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")


def _townhub_version() -> str:
    try:
        return metadata.version("townhub")
    except metadata.PackageNotFoundError:
        return "unknown"


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
        cutoff = time.time() - ABANDONED_AFTER_SECONDS
        for leftover in folder.glob(WORK_PREFIX + "*"):
            if leftover.lstat().st_mtime < cutoff:
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
    except OSError as error:
        raise BackupError(f"Cannot write backups to {folder}: {error.strerror or error}.") from None


def _dump(database: Database, target: Path) -> None:
    result = _run(
        [
            "pg_dump",
            "--format=custom",
            f"--lock-wait-timeout={LOCK_WAIT}",
            "--no-password",
            f"--file={target}",
            f"--dbname={database.conninfo}",
        ],
        database,
    )
    if result.returncode:
        raise BackupError(f"pg_dump failed: {_first_error(result.stderr)}")


def _revision_in(dump: Path) -> str:
    """The migration revision in a dump: read from the dump itself, so that it is the
    revision of exactly the data in it."""
    result = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(dump)])
    if result.returncode:
        raise BackupError(f"pg_restore cannot read the dump: {_first_error(result.stderr)}")
    # The table's rows, as COPY data: between "COPY public.alembic_version ..." and "\\.".
    revisions: list[str] = []
    copying = False
    for line in result.stdout.decode().splitlines():
        if copying and line == "\\.":
            break
        if copying:
            revisions.append(line)
        copying = copying or (line.startswith("COPY ") and "alembic_version" in line)
    if len(revisions) != 1 or not REVISION.fullmatch(revisions[0]):
        raise BackupError(
            "The database has no Townhub migration revision: is DATABASE_URL the Townhub"
            " database? ('flask --app app db upgrade' makes one.)"
        )
    return revisions[0]


def _pack_instance(instance: Path, target: Path, leave_out: Path) -> None:
    # A backup folder inside the instance folder would hold every earlier backup again.
    try:
        inside = leave_out.resolve().relative_to(instance.resolve()).as_posix()
    except ValueError:
        inside = None

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if inside and (info.name == inside or info.name.startswith(inside + "/")):
            return None
        return info

    try:
        # Links are followed: photos kept on another disk are part of the site too.
        with tarfile.open(target, "w:gz", dereference=True) as tar:
            for child in sorted(instance.iterdir()):
                tar.add(child, arcname=child.name, filter=keep)
    except OSError as error:
        raise BackupError(f"Cannot read the instance folder {instance}: {error}.") from None


def _write_atomically(final: Path, manifest: Manifest, parts: Path) -> None:
    """Write the backup under a work name (mode 0600) and rename it when complete."""

    def private(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
        return info

    try:
        descriptor, name = tempfile.mkstemp(prefix=WORK_PREFIX, suffix=".tar", dir=final.parent)
    except OSError as error:
        raise BackupError(f"Cannot write to {final.parent}: {error.strerror}.") from None
    work = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            with tarfile.open(fileobj=file, mode="w", format=tarfile.PAX_FORMAT) as tar:
                raw = manifest.to_json()
                info = private(tarfile.TarInfo(MANIFEST))
                info.size, info.mtime = len(raw), int(manifest.created_at.timestamp())
                tar.addfile(info, io.BytesIO(raw))
                for part in PARTS:
                    tar.add(parts / part, arcname=part, filter=private)
            file.flush()
            os.fsync(file.fileno())
        if final.exists():
            raise BackupError(f"{final} already exists: run again in a second.")
        work.rename(final)
    except BaseException as error:
        work.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BackupError(f"Cannot write {final}: {error.strerror or error}.") from None
        raise
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _prune(folder: Path, keep: int, newest: Path) -> list[Path]:
    """Delete all but the newest `keep` backups (by the time in their names); never the
    one just written, never any other file."""
    backups = sorted(
        path
        for path in folder.iterdir()
        if NAME.fullmatch(path.name) and path.is_file() and not path.is_symlink()
    )
    old = [path for path in backups[: max(len(backups) - keep, 0)] if path != newest]
    for path in old:
        try:
            path.unlink()
        except OSError as error:
            raise BackupError(
                f"Wrote {newest}, but cannot delete the old backup {path}: {error.strerror}."
            ) from None
    return old


# Reading backups


@dataclass(frozen=True)
class Listed:
    path: Path
    size: int
    manifest: Manifest | None
    problem: str = ""


def list_backups(folder: Path) -> list[Listed]:
    """The backups in a folder, newest first; an unreadable one says why. Raises
    BackupError when the folder cannot be read."""
    if not folder.exists():
        return []
    try:
        paths = sorted((p for p in folder.iterdir() if NAME.fullmatch(p.name)), reverse=True)
        sizes = [path.stat().st_size for path in paths]
    except OSError as error:
        raise BackupError(f"Cannot read {folder}: {error.strerror or error}.") from None
    found = []
    for path, size in zip(paths, sizes, strict=True):
        try:
            with _opened(path) as tar:
                found.append(Listed(path, size, _manifest_in(tar, path.name)))
        except BackupError as error:
            found.append(Listed(path, size, None, str(error)))
    return found


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 (closed below)
    except tarfile.ReadError:
        raise BackupError(f"{path.name} is not a Townhub backup: it is not a tar file.") from None
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        with tar:
            yield tar
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path.name} is damaged: {error}.") from None


def _manifest_in(tar: tarfile.TarFile, file_name: str) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{file_name} is not a Townhub backup: it has no {MANIFEST}.") from None
    handle = tar.extractfile(member) if member.isfile() and member.size < CHUNK else None
    if handle is None:
        raise BackupError(f"{file_name} has a damaged {MANIFEST}.")
    return Manifest.from_json(handle.read(), file_name)


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("kB", "MB", "GB"):
        amount /= 1000
        if amount < 1000:
            return f"{amount:.1f} {unit}"
    return f"{amount / 1000:.1f} TB"


# Restoring


def migration_chain(migrations_folder: str) -> tuple[set[str], str]:
    """Every migration revision this code knows, and the newest (the head)."""
    script = ScriptDirectory(migrations_folder)
    head = script.get_current_head()
    assert head is not None
    return {revision.revision for revision in script.walk_revisions()}, head


@dataclass(frozen=True)
class Unpacked:
    """A checked backup, unpacked in a work folder next to the instance folder."""

    path: Path
    manifest: Manifest
    folder: Path

    @property
    def dump(self) -> Path:
        return self.folder / DATABASE_PART

    @property
    def instance(self) -> Path:
        return self.folder / "instance"


@contextmanager
def unpacked(path: Path, *, instance: Path, migrations_folder: str) -> Iterator[Unpacked]:
    """Check a backup (manifest, checksums, migration revision) and unpack it next to the
    instance folder, changing nothing else; the work folder goes at the end. Raises
    BackupError for a file that is not a Townhub backup, is damaged, or is from a newer
    Townhub than this one."""
    known, head = migration_chain(migrations_folder)
    if os.path.ismount(instance):
        raise BackupError(
            f"The instance folder {instance} is a mount point: mount the disk one level up,"
            " so that the folder can be swapped for the backup's."
        )
    with _opened(path) as tar:
        manifest = _manifest_in(tar, path.name)
        if manifest.alembic_revision not in known:
            raise BackupError(
                f"{path.name} is from a newer Townhub ({manifest.townhub_version}): its database"
                f" is at migration revision {manifest.alembic_revision}, which this Townhub"
                f" ({_townhub_version()}, newest revision {head}) does not know. Install"
                f" Townhub {manifest.townhub_version} first, then restore."
            )
        try:
            instance.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX + "restore-", dir=instance.parent))
        except OSError as error:
            raise BackupError(
                f"Cannot write next to the instance folder, in {instance.parent}:"
                f" {error.strerror or error}."
            ) from None
        try:
            for name in PARTS:
                _extract_checked(tar, path.name, name, manifest.parts[name], folder / name)
        except BaseException as error:
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(error, OSError):
                raise BackupError(
                    f"Cannot unpack {path.name} into {folder}: {error.strerror or error}."
                ) from None
            raise
    try:
        listing = _run(["pg_restore", "--list", str(folder / DATABASE_PART)])
        if listing.returncode:
            raise BackupError(
                f"{path.name}: {DATABASE_PART} is not a database dump pg_restore can read:"
                f" {_first_error(listing.stderr)}"
            )
        try:
            (folder / "instance").mkdir()
            with tarfile.open(folder / INSTANCE_PART, "r:gz") as tar:
                _extract_safely(tar, folder / "instance")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(
                f"{path.name}: {INSTANCE_PART} cannot be unpacked: {error}."
            ) from None
        yield Unpacked(path, manifest, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _extract_safely(tar: tarfile.TarFile, into: Path) -> None:
    """Unpack only plain files and folders that stay inside `into`. tarfile's own "data"
    filter does this from Python 3.11.4, but Debian 12's Python is 3.11.2."""
    root = into.resolve()
    for member in tar.getmembers():
        target = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
            raise tarfile.TarError(f"{member.name!r} is not a plain file inside the folder")
        member.mode = (member.mode & 0o777) | (0o600 if member.isfile() else 0o700)
        member.uid = member.gid = os.getuid()
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, filter="data")
    else:
        tar.extractall(into)  # noqa: S202 (every member was checked above)


def _extract_checked(
    tar: tarfile.TarFile, file_name: str, name: str, expected: Part, target: Path
) -> None:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{file_name} is incomplete: it has no {name}.") from None
    source = tar.extractfile(member) if member.isfile() else None
    if source is None or member.size != expected.size:
        raise BackupError(f"{file_name} is damaged: {name} is not the size its manifest says.")
    digest = hashlib.sha256()
    with target.open("wb") as copy:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() != expected.sha256:
        raise BackupError(
            f"{file_name} is damaged: {name} does not match the checksum in its manifest."
        )


@dataclass(frozen=True)
class Restored:
    database: str
    revision: str
    upgraded_to: str | None
    instance: Path
    kept: Path | None

    def describe(self) -> list[str]:
        lines = [f"Restored the database {self.database} at migration revision {self.revision}."]
        if self.upgraded_to:
            lines.append(f"Upgraded it from revision {self.revision} to {self.upgraded_to}.")
        lines.append(f"Restored the instance folder {self.instance}.")
        if self.kept:
            lines.append(f"The instance folder as it was is kept in {self.kept}.")
        lines.append("Restart the web and worker services so that they use the restored keys.")
        return lines


def restore(
    backup: Unpacked, *, database_url: str, instance: Path, migrations_folder: str
) -> Restored:
    """Replace the database and the instance folder with a checked backup's, then run the
    migrations the backup is missing. Runs in the app context, whose database must be
    `database_url`. Raises BackupError; when the database cannot be restored nothing has
    changed."""
    database = Database.from_url(database_url)
    revision = backup.manifest.alembic_revision
    _, head = migration_chain(migrations_folder)
    kept = None
    if instance.exists():
        kept = instance.with_name(f"{instance.name}.before-restore-{_stamp(datetime.now(UTC))}")
        if kept.exists():
            raise BackupError(f"{kept} already exists: run again in a second.")
    try:
        _restore_database(database, backup, revision)
    except OSError as error:  # before psql was sent COMMIT
        raise BackupError(f"Restoring the database failed, so it is as it was: {error}.") from None
    try:
        _replace_instance(backup.instance, instance, kept)
    except OSError as error:
        raise BackupError(
            f"The database was restored, but the instance folder {instance} could not be"
            f" replaced ({error}): restore again."
        ) from None
    upgraded_to = None
    if revision != head:
        _upgrade(migrations_folder, revision)
        upgraded_to = head
    return Restored(database.where, revision, upgraded_to, instance, kept)


def _restore_database(database: Database, backup: Unpacked, revision: str) -> None:
    """Load the dump into the database in one transaction, after dropping everything there:
    either all of it is the backup's, or none of it changed.

    pg_restore writes the dump as SQL into psql, between our BEGIN and COMMIT; the COMMIT is
    sent only when pg_restore has read the whole dump, so a failure on either side ends
    the connection with the transaction rolled back."""
    listing = _run(["pg_restore", "--list", str(backup.dump)]).stdout.decode()
    chosen = backup.folder / "restore.list"
    chosen.write_text(
        "".join(line + "\n" for line in listing.splitlines() if not NOT_RESTORED.match(line))
    )
    extensions = "".join(
        f"CREATE EXTENSION IF NOT EXISTS {name};\n" for name in EXTENSION.findall(listing)
    )
    opening = (
        "SET client_min_messages = warning;\n"
        # Waiting for a web or worker process to let go of a table fails after a while,
        # rather than hanging.
        "SET lock_timeout = '1min';\n"
        "BEGIN;\n" + extensions + CLEAR_DATABASE
    )
    closing = CHECK_REVISION.format(revision=revision) + "COMMIT;\n"
    with (
        (backup.folder / "psql.log").open("w+b") as psql_log,
        (backup.folder / "pg_restore.log").open("w+b") as reader_log,
    ):
        loader = _start(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={database.conninfo}",
            ],
            database,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_log,
        )
        try:
            reader = _start(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    f"--use-list={chosen}",
                    "--file=-",
                    str(backup.dump),
                ],
                None,
                stdout=subprocess.PIPE,
                stderr=reader_log,
            )
        except BackupError:
            _finish(loader)
            raise
        committed = _feed(loader, reader, opening.encode(), closing.encode())
        # pg_restore failing is the cause of whatever psql then says; stopped by us (a
        # negative code), it was psql that failed first.
        if reader.returncode > 0:
            reader_log.seek(0)
            raise BackupError(
                "pg_restore could not read the whole dump, so the database is as it was:"
                f" {_first_error(reader_log.read())}"
            )
        if not committed:
            psql_log.seek(0)
            problem = _first_error(psql_log.read())
            if "lock timeout" in problem:
                problem += " (stop the web and worker services, then restore again)"
            raise BackupError(f"Restoring the database failed, so it is as it was: {problem}")


def _feed(
    loader: subprocess.Popen[bytes], reader: subprocess.Popen[bytes], opening: bytes, closing: bytes
) -> bool:
    """Send opening, pg_restore's output and, if pg_restore succeeded, closing into psql."""
    assert loader.stdin is not None and reader.stdout is not None
    committed = False
    try:
        loader.stdin.write(opening)
        shutil.copyfileobj(reader.stdout, loader.stdin, CHUNK)
        if reader.wait() == 0:
            loader.stdin.write(closing)
            committed = True
    except BrokenPipeError:
        pass  # psql stopped at an error; its log says which
    finally:
        _finish(reader)
        _finish(loader)
    return committed and loader.returncode == 0


def _finish(process: subprocess.Popen[bytes]) -> None:
    if process.stdin:
        with suppress(BrokenPipeError):
            process.stdin.close()
    if process.stdout and process.poll() is None:
        process.kill()
    process.wait()
    if process.stdout:
        process.stdout.close()


def _replace_instance(new: Path, instance: Path, kept: Path | None) -> None:
    mode, owner = 0o700, instance.parent.stat()
    if kept is not None:
        owner = instance.stat()
        mode = stat.S_IMODE(owner.st_mode)
        instance.rename(kept)
    new.chmod(mode)
    new.rename(instance)
    # Run by root (sudo), the files would be root's, and the app could not read its keys.
    if os.geteuid() == 0:
        for folder, folders, files in os.walk(instance):
            for name in [folder, *(os.path.join(folder, n) for n in folders + files)]:
                os.chown(name, owner.st_uid, owner.st_gid, follow_symlinks=False)


def _upgrade(migrations_folder: str, revision: str) -> None:
    import flask_migrate

    from townhub.extensions import db

    # Connections opened before the restore may have cached the dropped tables' types.
    db.engine.dispose()
    try:
        flask_migrate.upgrade(directory=migrations_folder)
    # Flask-Migrate exits (SystemExit) on some of Alembic's errors, after logging them.
    except (Exception, SystemExit) as error:
        raise BackupError(
            f"The backup was restored at migration revision {revision}, but upgrading it"
            f" failed: {error}. Fix the cause, then run 'flask --app app db upgrade'."
        ) from None


# Running the PostgreSQL tools


def _run(
    command: list[str], database: Database | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(  # noqa: S603 (fixed commands, no shell)
            command,
            env=database.environment() if database else None,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise BackupError(_missing(command[0])) from None


def _start(
    command: list[str], database: Database | None, **streams: Any
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(  # noqa: S603 (fixed commands, no shell)
            command, env=database.environment() if database else None, **streams
        )
    except FileNotFoundError:
        raise BackupError(_missing(command[0])) from None


def _missing(tool: str) -> str:
    return (
        f"{tool} was not found: install the PostgreSQL client tools of the server's version"
        " or newer (Debian: apt install postgresql-client)."
    )


def _first_error(output: bytes) -> str:
    """One line for a message: the first that reports an error, else the last."""
    lines = [" ".join(line.split()) for line in output.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if "error" in line.lower() or "fatal" in line.lower():
            return line
    return lines[-1] if lines else "(no message)"
