"""A Mosquitto of a test's own, on a free port and with its configuration and log in the
test's folder, for what the shared broker on 1883 cannot be used for (stopping it, or
reading its log)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.support.network import answers, free_port
from tests.support.processes import terminate


class Mosquitto:
    """`persistent`: it keeps its sessions and messages on disk, so it can be stopped
    (SIGTERM: it saves them) and started again on the same port. `log_everything`: its
    log has every packet (which client each message was sent to, which acknowledged it)."""

    def __init__(
        self, folder: Path, *, persistent: bool = False, log_everything: bool = False
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder / "mosquitto.log"
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            + (f"persistence true\npersistence_location {folder}/\n" if persistent else "")
            # Stay the user the tests run as (as root it would switch to "mosquitto", who
            # cannot write in pytest's private temporary folder).
            + "user root\n"
            "max_queued_messages 100000\n"
            "max_inflight_messages 1000\n"
            + ("log_type all\n" if log_everything else "")
            + f"log_dest file {self.log}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        with open(self.folder / f"stderr-{self.starts}.txt", "wb") as stderr:
            self.process = subprocess.Popen(
                ["mosquitto", "-c", str(self.config)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 10
        while not answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start:\n{self.log_text()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: it saves its database and exits."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if not terminate(process, timeout=10):
            raise RuntimeError(f"mosquitto did not stop within 10 s of SIGTERM:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
