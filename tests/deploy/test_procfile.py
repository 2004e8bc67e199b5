"""The Procfile's web process logs requests without who sent them, as production does."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_access_log_keeps_no_address_and_no_query() -> None:
    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    log_format = re.search(r"--access-logformat '([^']+)'", web)
    assert log_format, "gunicorn's default access log records the client's address"
    # %(h)s is the address, %(r)s and %(q)s carry the query string, %(a)s the browser.
    assert not re.search(r"%\((h|r|q|a|f)\)s", log_format.group(1))
    unit = (ROOT / "deploy" / "templates" / "townhub-web.service").read_text()
    assert log_format.group(1) in unit.replace("%%", "%")
