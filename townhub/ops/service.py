"""Health of the parts: database, worker and its broker connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.models import WorkerHeartbeat
from townhub.jobs.service import queue_depth


@dataclass(frozen=True)
class Health:
    database: bool
    worker: bool
    broker: bool
    queued_jobs: int | None

    @property
    def ok(self) -> bool:
        return self.database and self.worker and self.broker


def check(stale_after_seconds: int) -> Health:
    """Whether the database answers, a worker beat recently and it is connected to the broker."""
    try:
        db.session.execute(text("SELECT 1"))
        cutoff = utcnow() - timedelta(seconds=stale_after_seconds)
        beats = list(
            db.session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.beat_at > cutoff))
        )
        queued = queue_depth()
    except SQLAlchemyError:
        db.session.rollback()
        return Health(database=False, worker=False, broker=False, queued_jobs=None)
    return Health(
        database=True,
        worker=bool(beats),
        broker=any(beat.mqtt_connected for beat in beats),
        queued_jobs=int(queued or 0),
    )
