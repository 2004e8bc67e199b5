"""The worker process: runs queued jobs and the MQTT listener thread, and beats a heart."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType

from flask import Flask
from sqlalchemy.dialects.postgresql import insert

from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.models import WorkerHeartbeat
from townhub.jobs.service import run_next_job, schedule_due
from townhub.sensors.listener import Listener

log = logging.getLogger(__name__)
IDLE_SLEEP_SECONDS = 0.5
SCHEDULE_EVERY_SECONDS = 60.0


def worker_name(client_id: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{client_id}"


def beat(name: str, mqtt_connected: bool) -> None:
    """Record that this worker is alive. Commits."""
    values = {"name": name, "beat_at": utcnow(), "mqtt_connected": mqtt_connected}
    db.session.execute(
        insert(WorkerHeartbeat)
        .values(**values)
        .on_conflict_do_update(index_elements=["name"], set_=values)
    )
    db.session.commit()


def run(
    app: Flask,
    stop: threading.Event | None = None,
    *,
    listen: bool = True,
    client_id: str | None = None,
) -> None:
    """Run until `stop` is set (or SIGTERM/SIGINT): jobs in this thread, MQTT in paho's."""

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():

        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info("worker stopping on signal %s", signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    client_id = client_id or app.config["MQTT_CLIENT_ID"]
    listener = Listener(app, client_id) if listen else None
    if listener:
        listener.start()
    name = worker_name(client_id)
    heartbeat_every = app.config["WORKER_HEARTBEAT_SECONDS"]
    last_beat, last_connected, last_scheduled = 0.0, False, 0.0
    try:
        with app.app_context():
            while not stop.is_set():
                now = utcnow().timestamp()
                connected = bool(listener and listener.connected.is_set())
                # Beat on time, and at once when the broker connection comes or goes.
                if now - last_beat >= heartbeat_every or connected != last_connected:
                    try:
                        beat(name, connected)
                        last_beat, last_connected = now, connected
                    except Exception:  # the database may be restarting: try again
                        log.exception("could not record the heartbeat")
                        db.session.rollback()
                if now - last_scheduled >= SCHEDULE_EVERY_SECONDS:
                    try:
                        schedule_due()
                        last_scheduled = now
                    except Exception:
                        log.exception("could not schedule recurring jobs")
                        db.session.rollback()
                try:
                    worked = run_next_job()
                except Exception:
                    log.exception("the job loop hit an error; carrying on")
                    db.session.rollback()
                    worked = False
                db.session.remove()
                if not worked:
                    stop.wait(IDLE_SLEEP_SECONDS)
    finally:
        if listener:
            listener.stop()
        with app.app_context():
            db.session.execute(
                WorkerHeartbeat.__table__.delete().where(WorkerHeartbeat.name == name)
            )
            db.session.commit()
