"""Fingerprinted static files: `url_for("static", filename="css/townhub.css")` gives
/static/css/townhub.<hash>.css, the hash being the first 12 hex digits of the file's
SHA-256. A release changes the URL of every file it changes, so browsers, Caddy and the
service worker can keep each URL for a year.

What /static/<name> answers:
- the fingerprinted name with today's hash: the file, immutable for a year;
- the plain name (old links, `url()` in CSS): the file, revalidated on every use;
- a fingerprinted name with another hash (a page from the last release, or from the next
  one while the old process finishes its requests): today's file, revalidated. That page
  keeps its styles and scripts (a 404 would leave it bare), and no cache keeps today's
  file under a name that stands for another version.
Anything else goes to `send_from_directory`, which refuses paths outside the folder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, send_from_directory

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# The hash goes before the last suffix: htmx-2.0.11.min.js -> htmx-2.0.11.min.<hash>.js.
# Files without a suffix (LICENSE) keep their plain name.
_SUFFIXED = re.compile(r"(?P<stem>.*[^/])(?P<suffix>\.[A-Za-z0-9]+)")
_FINGERPRINTED = re.compile(
    rf"(?P<stem>.*[^/])\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)"
)


@dataclass(frozen=True)
class StaticFiles:
    """A static folder's files by name (relative, with "/"), each with its content hash,
    and a version that changes whenever any of them does."""

    hashes: Mapping[str, str]
    version: str

    def url_name(self, name: str) -> str:
        """The fingerprinted name of a file; an unknown or suffix-less name as given."""
        match = _SUFFIXED.fullmatch(name)
        if match is None or name not in self.hashes:
            return name
        return f"{match['stem']}.{self.hashes[name]}{match['suffix']}"

    def resolve(self, requested: str) -> tuple[str, str]:
        """The name of the file to send for a requested name, and its Cache-Control."""
        match = _FINGERPRINTED.fullmatch(requested)
        if requested in self.hashes or match is None:
            return requested, REVALIDATE
        name = match["stem"] + match["suffix"]
        if name not in self.hashes:
            return requested, REVALIDATE
        return name, IMMUTABLE if match["hash"] == self.hashes[name] else REVALIDATE


def hash_folder(folder: str) -> StaticFiles:
    """Hash every file under a folder (none if it does not exist)."""
    root = Path(folder)
    hashes = {
        path.relative_to(root).as_posix(): _digest(path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    listing = "".join(f"{name}\0{digest}\n" for name, digest in hashes.items())
    return StaticFiles(hashes=hashes, version=_digest(listing.encode()))


_hash_folder_once = lru_cache(maxsize=4)(hash_folder)


def static_files(folder: str | None = None) -> StaticFiles:
    """The app's static files (or another folder's): hashed once per process, or on every
    call in debug mode, so that an edited file gets its new URL at once."""
    folder = folder or current_app.static_folder or ""
    return hash_folder(folder) if current_app.debug else _hash_folder_once(folder)


def serve_static(filename: str) -> Response:
    """The static view: a file by its plain or fingerprinted name."""
    name, cache_control = static_files().resolve(filename)
    response = send_from_directory(current_app.static_folder or "", name)
    response.headers["Cache-Control"] = cache_control
    return response


def register(app: Flask) -> None:
    """Fingerprint the static URLs url_for builds, and serve both kinds of name."""

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = static_files().url_name(values["filename"])

    app.view_functions["static"] = serve_static


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
