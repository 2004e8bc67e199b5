from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from townhub.common.models import Timestamped, utcnow
from townhub.extensions import db


class Job(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A unit of background work in the PostgreSQL queue, claimed with FOR UPDATE SKIP LOCKED."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'done', 'failed')", name="status"),
        Index("ix_jobs_due", "run_at", postgresql_where="status = 'queued'"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set for scheduled work ("send_digests:<hour>"): one job per key, however many
    # workers try to schedule it.
    key: Mapped[str | None] = mapped_column(String(120), unique=True)


class WorkerHeartbeat(db.Model):  # type: ignore[name-defined,misc]
    """Each worker writes here every few seconds; /healthz reads it."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    mqtt_connected: Mapped[bool] = mapped_column(Boolean, default=False)
