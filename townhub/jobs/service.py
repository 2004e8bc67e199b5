"""A small job queue in PostgreSQL. Jobs are claimed with FOR UPDATE SKIP LOCKED, so
several workers never take the same job, and a worker that dies releases its claim."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.models import Job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
# Work that recurs: kind -> how often. The worker schedules one job per slot.
SCHEDULE: dict[str, timedelta] = {}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def every(kind: str, interval: timedelta) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind, and run it once per interval."""

    def register(function: Handler) -> Handler:
        SCHEDULE[kind] = interval
        return handles(kind)(function)

    return register


def schedule_due(now: datetime | None = None) -> int:
    """Queue each recurring job for the current slot unless it already was (by any worker:
    the job's key is unique); how many were added. Commits."""
    now = now or utcnow()
    added = 0
    for kind, interval in SCHEDULE.items():
        slot = EPOCH + ((now - EPOCH) // interval) * interval
        queued = db.session.execute(
            insert(Job)
            .values(
                kind=kind,
                payload={"slot": slot.isoformat()},
                run_at=slot,
                key=f"{kind}:{slot.isoformat()}",
                status="queued",
                attempts=0,
                last_error="",
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Job.id)
        ).all()
        added += len(queued)
    db.session.commit()
    return added


def enqueue(kind: str, payload: dict[str, Any], run_at: datetime | None = None) -> Job:
    """Add a job in the caller's transaction (so it exists only if the caller commits)."""
    job = Job(kind=kind, payload=payload, run_at=run_at or utcnow())
    db.session.add(job)
    return job


def run_next_job() -> bool:
    """Claim the next due job, run it and record the outcome; False when none is due.

    The claim is a row lock held on its own connection for the whole run: if this
    process dies, the lock goes with it and the job is claimed again. Handlers record
    their own progress (with their own commits), so a rerun repeats no finished work.
    """
    with Session(db.engine) as claim:
        job = claim.scalars(
            select(Job)
            .where(Job.status == "queued", Job.run_at <= utcnow())
            .order_by(Job.run_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return False
        handler = HANDLERS.get(job.kind)
        job.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(dict(job.payload))
        except Exception as error:
            db.session.rollback()
            log.exception("job %s (%s) failed", job.id, job.kind)
            job.last_error = f"{type(error).__name__}: {error}"
            if job.attempts >= MAX_ATTEMPTS or handler is None:
                job.status = "failed"
                job.finished_at = utcnow()
            else:
                job.run_at = utcnow() + timedelta(seconds=2**job.attempts * 5)
        else:
            job.status = "done"
            job.finished_at = utcnow()
        claim.commit()
        return True


def queue_depth() -> int:
    """Jobs waiting to run."""
    return int(db.session.scalar(select(func.count()).where(Job.status == "queued")) or 0)
