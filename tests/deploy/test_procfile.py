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


def test_two_web_processes_on_one_machine_do_not_share_a_control_socket() -> None:
    """gunicorn 27 opens a control socket in the user's home by default: a second web
    process (past one VM, or the benchmark beside the demo) would find it taken."""
    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    unit = (ROOT / "deploy" / "templates" / "townhub-web.service").read_text()
    assert "--no-control-socket" in web and "--no-control-socket" in unit
