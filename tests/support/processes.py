"""Stopping the processes tests and benchmarks start, as a service manager would."""

from __future__ import annotations

import subprocess
from typing import Any


def terminate(process: subprocess.Popen[Any], timeout: float = 10) -> bool:
    """SIGTERM, then SIGKILL if it has not gone within `timeout` seconds. Whether it went
    of its own accord (or had gone already); False when it had to be killed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return False
    return True
