"""Waiting for what other threads or processes commit to the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from townhub.extensions import db


def eventually(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.05) -> Any:
    """The first true result of `check`, or its last result once `timeout` seconds have
    passed. In an app context: the session is ended before each look."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.remove()  # see what other connections committed
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)
