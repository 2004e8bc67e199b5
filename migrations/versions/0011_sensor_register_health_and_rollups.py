"""Sensor register, health, running totals, roll-ups and a richer quarantine

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 09:10:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Files every existing count under its 15 minutes, hour (UTC) and London day, as the
# ingest does: at the middle of the period it covers.
BACKFILL_ROLLUPS = """
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
) filed
GROUP BY sensor_id, grain, bucket_start
"""


def upgrade():
    with op.batch_alter_table("sensors") as batch:
        batch.add_column(sa.Column("operator", sa.String(200), server_default="", nullable=False))
        batch.add_column(sa.Column("placement", sa.String(200), server_default="", nullable=False))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_f_cnt", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("battery_percent", sa.Float(), nullable=True))
        batch.add_column(sa.Column("battery_volts", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rssi", sa.Float(), nullable=True))
        batch.add_column(sa.Column("snr", sa.Float(), nullable=True))
        batch.add_column(sa.Column("silent_since", sa.DateTime(timezone=True), nullable=True))
    # Sensors that already sent counts were last seen when they sent the last one.
    op.execute(
        "UPDATE sensors s SET last_seen_at = "
        "(SELECT max(measured_at) FROM footfall_counts c WHERE c.sensor_id = s.id)"
    )

    with op.batch_alter_table("sensor_quarantine") as batch:
        batch.add_column(sa.Column("hub_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sensor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("payload_bytes", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_foreign_key(
            "sensor_quarantine_hub_id_fkey", "hubs", ["hub_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            "sensor_quarantine_sensor_id_fkey",
            "sensors",
            ["sensor_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_sensor_quarantine_hub_id", ["hub_id"])
        batch.create_index("ix_sensor_quarantine_received_at", ["received_at"])
    op.execute("UPDATE sensor_quarantine SET payload_bytes = octet_length(payload)")

    with op.batch_alter_table("footfall_counts") as batch:
        batch.add_column(sa.Column("f_cnt", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("readings", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
        )
    op.create_index(
        "uq_footfall_counts_frame",
        "footfall_counts",
        ["sensor_id", "f_cnt", "measured_at"],
        unique=True,
        postgresql_where=sa.text("f_cnt IS NOT NULL"),
    )

    op.create_table(
        "footfall_rollups",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(3), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.CheckConstraint("grain IN ('15m', '1h', '1d')", name="known_grain"),
        sa.ForeignKeyConstraint(["sensor_id"], ["sensors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sensor_id", "grain", "bucket_start"),
    )
    op.execute(BACKFILL_ROLLUPS)


def downgrade():
    op.drop_table("footfall_rollups")
    op.drop_index("uq_footfall_counts_frame", table_name="footfall_counts")
    with op.batch_alter_table("footfall_counts") as batch:
        batch.drop_column("readings")
        batch.drop_column("f_cnt")
    with op.batch_alter_table("sensor_quarantine") as batch:
        batch.drop_index("ix_sensor_quarantine_received_at")
        batch.drop_index("ix_sensor_quarantine_hub_id")
        batch.drop_constraint("sensor_quarantine_sensor_id_fkey", type_="foreignkey")
        batch.drop_constraint("sensor_quarantine_hub_id_fkey", type_="foreignkey")
        batch.drop_column("payload_bytes")
        batch.drop_column("device_id")
        batch.drop_column("sensor_id")
        batch.drop_column("hub_id")
    with op.batch_alter_table("sensors") as batch:
        batch.drop_column("silent_since")
        batch.drop_column("snr")
        batch.drop_column("rssi")
        batch.drop_column("battery_volts")
        batch.drop_column("battery_percent")
        batch.drop_column("last_f_cnt")
        batch.drop_column("last_seen_at")
        batch.drop_column("placement")
        batch.drop_column("operator")
