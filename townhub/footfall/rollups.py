"""Rebuilding roll-ups from the counts, for counts written in bulk (the demo's history) or
after repairing data by hand. The ingest keeps them current by itself."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, text

from townhub.extensions import db

# Files each count under its 15 minutes, hour (UTC) and London day at the middle of the
# period it covers, as townhub.sensors.service does.
_REBUILD = text(
    """
    INSERT INTO footfall_rollups (sensor_id, grain, bucket_start, people, readings)
    SELECT sensor_id, grain, bucket_start, sum(people), count(*)
    FROM (
        SELECT c.sensor_id, c.people, g.grain,
               CASE g.grain
                   WHEN '15m' THEN date_bin('15 minutes', m.at, TIMESTAMPTZ '2000-01-01 00:00Z')
                   WHEN '1h' THEN date_trunc('hour', m.at)
                   ELSE date_trunc('day', m.at AT TIME ZONE 'Europe/London')
                        AT TIME ZONE 'Europe/London'
               END AS bucket_start
        FROM footfall_counts c
        CROSS JOIN LATERAL (
            SELECT c.measured_at - make_interval(mins => c.period_minutes) / 2 AS at
        ) m
        CROSS JOIN (VALUES ('15m'), ('1h'), ('1d')) AS g (grain)
        WHERE c.sensor_id IN :sensor_ids
    ) filed
    GROUP BY sensor_id, grain, bucket_start
    """
).bindparams(bindparam("sensor_ids", expanding=True))


def rebuild(sensor_ids: Collection[int]) -> None:
    """Replace these sensors' roll-ups with totals worked out again from their counts."""
    if not sensor_ids:
        return
    ids = list(sensor_ids)
    db.session.execute(
        text("DELETE FROM footfall_rollups WHERE sensor_id IN :sensor_ids").bindparams(
            bindparam("sensor_ids", expanding=True)
        ),
        {"sensor_ids": ids},
    )
    db.session.execute(_REBUILD, {"sensor_ids": ids})
