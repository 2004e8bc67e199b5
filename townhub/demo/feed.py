"""A live footfall feed for the demo: each demo sensor sends a 15-minute count over MQTT,
through the same broker, listener and database as a real counter would.

It starts by sending the last hour's four counts, so "how busy is it now?" has an answer
from the first minute of a demo.
"""

from __future__ import annotations

import json
import random
import threading
from datetime import datetime, timedelta

from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.demo.places import HUBS
from townhub.demo.seed import hourly_people
from townhub.sensors.simulate import TTS_TOPIC, publish, tts_uplink

PERIOD = timedelta(minutes=15)


def uplinks_at(moment: datetime, rng: random.Random) -> list[tuple[str, bytes]]:
    """One uplink per demo sensor for the 15 minutes ending at `moment`."""
    messages = []
    for hub in HUBS:
        for sensor in hub.sensors:
            people = hourly_people(sensor.base_hourly, moment.astimezone(LONDON), rng) // 4
            topic = TTS_TOPIC.format(
                application="townhub-footfall", tenant="ttn", device=sensor.device_id
            )
            uplink = tts_uplink(
                device_id=sensor.device_id,
                dev_eui=sensor.dev_eui,
                people=people,
                f_cnt=int(moment.timestamp() // PERIOD.total_seconds()) % 65536,
                at=moment,
            )
            messages.append((topic, json.dumps(uplink).encode()))
    return messages


def run(broker_url: str, stop: threading.Event, every: float = PERIOD.total_seconds()) -> None:
    """Send the last hour's counts, then one count per sensor every `every` seconds."""
    rng = random.Random()
    now = utcnow()
    moments = [now - PERIOD * n for n in (3, 2, 1, 0)]
    while not stop.is_set():
        by_topic: dict[str, list[bytes]] = {}
        for moment in moments:
            for topic, payload in uplinks_at(moment, rng):
                by_topic.setdefault(topic, []).append(payload)
        for topic, payloads in by_topic.items():
            publish(broker_url, topic, payloads)
        stop.wait(every)
        moments = [utcnow()]
