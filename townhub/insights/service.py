"""The hub dashboard's figures: footfall by 15 minutes, hour, day and week against its usual
level, the busiest times, unusual days, period comparisons and progress against targets.

Reads footfall (`footfall/` owns the counts) and engagement totals; writes nothing. Counts
here carry no identity, so they are shown as they are.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from townhub.alerts.models import PushSubscription
from townhub.businesses.models import Business
from townhub.common.days import at_london, london_today
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.engagement.models import DailyCount
from townhub.extensions import db
from townhub.footfall import figures
from townhub.footfall.models import FootfallRollup
from townhub.hubs.models import Hub
from townhub.roadworks.models import Roadwork
from townhub.sensors.models import Sensor

# What each grain is called in a URL, the roll-up it reads and the longest range it allows
# (a chart of more bars than this is unreadable; a longer look wants a coarser grain).
GRAINS = {
    "15m": ("15m", timedelta(minutes=15), 3),
    "hour": ("1h", timedelta(hours=1), 14),
    "day": ("1d", timedelta(days=1), 366),
    "week": ("1d", timedelta(weeks=1), 3 * 366),
}
DEFAULT_DAYS = {"15m": 1, "hour": 2, "day": 28, "week": 84}
# "Usual" is the middle (median) of the same weekday and time in this many weeks before:
# one festival in those weeks does not make the next weeks look quiet.
WEEKS_COMPARED = 4
# A day this far from its usual level, either way, is flagged as unusual...
UNUSUAL_SHARE = 0.25
# ...unless its usual level is so low that a few people make the difference.
UNUSUAL_MIN_PEOPLE = 50
# Comparing two periods reads daily totals; longer than this is a different question.
LONGEST_COMPARISON_DAYS = 366
EARLIEST = date(2000, 1, 1)


class InsightsError(ValueError):
    """Input that names no figures we can show; `field` is the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Bucket:
    start: datetime  # an instant; London midnight for days and weeks
    people: int | None  # None: no sensor reported in it
    usual: float | None  # None: nothing in the weeks before to compare with
    compared: int = 0  # people counted by the sensors that have a usual level

    @property
    def change(self) -> float | None:
        """The share above (+) or below (-) usual; None when it cannot be said."""
        if self.people is None or not self.usual:
            return None
        return (self.compared - self.usual) / self.usual


@dataclass(frozen=True)
class SensorTotal:
    sensor_id: int
    name: str
    people: int
    usual: float | None

    @property
    def change(self) -> float | None:
        if not self.usual:
            return None
        return (self.people - self.usual) / self.usual


@dataclass(frozen=True)
class UnusualDay:
    day: date
    people: int
    usual: float
    change: float  # +0.6 is 60% busier than usual, -0.3 is 30% quieter

    @property
    def busier(self) -> bool:
        return self.change > 0


@dataclass(frozen=True)
class UnusualRun:
    """Unusual days in a row, the same way: a heatwave's week, a festival's weekend."""

    first: date
    last: date
    busier: bool
    days: tuple[UnusualDay, ...]


@dataclass(frozen=True)
class BusyTime:
    weekday: int  # 0 is Monday
    hour: int  # London
    people: float  # average over the weeks in the period


@dataclass(frozen=True)
class Footfall:
    grain: str
    first: date
    last: date
    sensor: Sensor | None  # None: the whole hub
    buckets: list[Bucket]
    sensors: list[SensorTotal]


@dataclass(frozen=True)
class PeriodFigures:
    first: date
    last: date
    days: int
    people: int

    @property
    def per_day(self) -> float:
        return self.people / self.days if self.days else 0.0


@dataclass(frozen=True)
class SensorComparison:
    name: str
    baseline: PeriodFigures
    period: PeriodFigures

    @property
    def change(self) -> float | None:
        if not self.baseline.per_day:
            return None
        return (self.period.per_day - self.baseline.per_day) / self.baseline.per_day


@dataclass(frozen=True)
class Comparison:
    hub: SensorComparison
    sensors: list[SensorComparison]


@dataclass(frozen=True)
class Preset:
    """A ready-made comparison: an unusual run or a roadwork against the weeks before."""

    label_kind: str  # "busier", "quieter" or "roadwork"
    name: str  # the roadwork's street, or "" for unusual days
    first: date
    last: date
    baseline_first: date
    baseline_last: date


@dataclass(frozen=True)
class Progress:
    measure: str  # "businesses", "installs", "subscribers", "redemptions"
    count: int
    target: int

    @property
    def share(self) -> float:
        return min(self.count / self.target, 1.0) if self.target else 1.0


def check_range(grain: str, first: date | None, last: date | None) -> tuple[date, date]:
    """The period to show at this grain, defaulting to the latest days; weeks start on the
    Monday. Raises InsightsError for an unknown grain, a period that ends before it starts,
    lies outside the figures or is too long for the grain."""
    if grain not in GRAINS:
        raise InsightsError("grain", "unknown grain")
    today = london_today()
    last = last or today
    if last < EARLIEST or (first and first < EARLIEST):
        raise InsightsError("first", "outside the figures")
    first = first or last - timedelta(days=DEFAULT_DAYS[grain] - 1)
    if grain == "week":
        first -= timedelta(days=first.weekday())
    check_days(first, last, GRAINS[grain][2], field="first")
    return first, last


def check_days(
    first: date, last: date, longest: int, field: str, latest: date | None = None
) -> None:
    """Raises InsightsError unless first..last is a real period of at most `longest` days
    ending by `latest` (today by default)."""
    if first > last:
        raise InsightsError(field, "ends before it starts")
    if first < EARLIEST or last > london_today():
        raise InsightsError(field, "outside the figures")
    if latest and last > latest:
        raise InsightsError(field, "not over")
    if (last - first).days + 1 > longest:
        raise InsightsError(field, "too long")


def hub_sensor(hub: Hub, sensor_id: int | None) -> Sensor | None:
    """The hub's sensor with this id (None for the whole hub). Raises InsightsError for a
    sensor that is not this hub's, so another hub's sensor is not even confirmed to exist."""
    if sensor_id is None:
        return None
    sensor = db.session.get(Sensor, sensor_id)
    if sensor is None or sensor.hub_id != hub.id:
        raise InsightsError("sensor", "unknown sensor")
    return sensor


def hub_sensors(hub: Hub) -> list[Sensor]:
    return list(
        db.session.scalars(select(Sensor).where(Sensor.hub_id == hub.id).order_by(Sensor.name))
    )


def footfall(
    hub: Hub,
    grain: str,
    first: date,
    last: date,
    sensor: Sensor | None,
    now: datetime | None = None,
) -> Footfall:
    """People counted in each bucket of first..last (London days) against its usual level,
    for one sensor or the whole hub, and each sensor's total over the buckets that are over.

    A bucket's usual level adds up the usual levels of the sensors that counted in it, so
    a sensor that was silent makes the hub neither quieter nor busier than usual. Raises
    InsightsError as check_range does."""
    first, last = check_range(grain, first, last)
    now = now or utcnow()
    sensors = [sensor] if sensor else hub_sensors(hub)
    start, end = at_london(first), at_london(last + timedelta(days=1))
    per_sensor = _totals(
        [s.id for s in sensors], grain, start - timedelta(weeks=WEEKS_COMPARED), end
    )
    moments = _moments(grain, start, end)
    step = GRAINS[grain][1]
    buckets = []
    usual_of: dict[tuple[int, datetime], float | None] = {}
    for moment in moments:
        before = _weeks_before(grain, moment)
        people = compared = 0
        usual: float | None = None
        counted = False
        for each in sensors:
            own = per_sensor.get(each.id, {})
            if moment not in own:
                continue
            counted = True
            people += own[moment]
            history = [own[then] for then in before if then in own]
            level = float(statistics.median(history)) if history else None
            usual_of[(each.id, moment)] = level
            if level is not None:
                usual = (usual or 0.0) + level
                compared += own[moment]
        buckets.append(Bucket(moment, people if counted else None, usual, compared))
    totals = []
    for each in sensors:
        own = per_sensor.get(each.id, {})
        over = [m for m in moments if m + step <= now and m in own]
        levels = [usual_of.get((each.id, m)) for m in over]
        known = [level for level in levels if level is not None]
        usual_total = sum(known) if over and len(known) == len(levels) else None
        totals.append(SensorTotal(each.id, each.name, sum(own[m] for m in over), usual_total))
    return Footfall(grain, first, last, sensor, buckets, totals)


def _totals(
    sensor_ids: Sequence[int], grain: str, start: datetime, end: datetime
) -> dict[int, dict[datetime, int]]:
    """People per sensor and bucket start (an instant) from the roll-ups."""
    if not sensor_ids:
        return {}
    rollup_grain, _, _ = GRAINS[grain]
    totals: dict[int, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for figure in figures.sensor_figures(sensor_ids, rollup_grain, start, end):
        totals[figure.sensor_id][_bucket_of(grain, figure.bucket_start)] += figure.people
    return totals


def _bucket_of(grain: str, moment: datetime) -> datetime:
    """The start of the bucket a roll-up belongs to: London midnight for days and weeks
    (weeks from Monday), else the roll-up's own start."""
    if grain in ("day", "week"):
        day = moment.astimezone(LONDON).date()
        if grain == "week":
            day -= timedelta(days=day.weekday())
        return at_london(day)
    return moment.astimezone(UTC)


def _moments(grain: str, start: datetime, end: datetime) -> list[datetime]:
    """Every bucket's start from start to end: days and weeks at London midnight; 15
    minutes and hours as they happened, so the hour the clocks go back comes twice and the
    hour they go forward not at all."""
    if grain in ("day", "week"):
        days = 7 if grain == "week" else 1
        return [
            at_london(start.date() + timedelta(days=n))
            for n in range(0, (end.date() - start.date()).days, days)
        ]
    step = GRAINS[grain][1]
    moments = []
    moment = start.astimezone(UTC)
    while moment < end:
        moments.append(moment)
        moment += step
    return moments


def _weeks_before(grain: str, moment: datetime) -> list[datetime]:
    """The same weekday and London wall-clock time in each of the weeks before, as the
    buckets' keys: its usual level is the middle (median) of those that were counted."""
    local = moment.astimezone(LONDON)
    keys = []
    for weeks_back in range(1, WEEKS_COMPARED + 1):
        wall = local.replace(tzinfo=None) - timedelta(weeks=weeks_back)
        then = wall.replace(tzinfo=LONDON, fold=local.fold)
        keys.append(at_london(then.date()) if grain in ("day", "week") else then.astimezone(UTC))
    return keys


def unusual_days(
    hub: Hub, first: date, last: date, sensor: Sensor | None = None
) -> list[UnusualDay]:
    """Whole days in first..last, at most the last year of it, whose footfall was far from
    usual, up or down (today is not over, so never flagged)."""
    last = min(last, london_today() - timedelta(days=1))
    first = max(first, last - timedelta(days=GRAINS["day"][2] - 1), EARLIEST)
    if first > last:
        return []
    figures = footfall(hub, "day", first, last, sensor)
    flagged = []
    for bucket in figures.buckets:
        change = bucket.change
        if (
            change is not None
            and bucket.usual is not None
            and bucket.people is not None
            and bucket.usual >= UNUSUAL_MIN_PEOPLE
            and abs(change) >= UNUSUAL_SHARE
        ):
            flagged.append(UnusualDay(bucket.start.date(), bucket.people, bucket.usual, change))
    return flagged


def unusual_runs(days: Iterable[UnusualDay]) -> list[UnusualRun]:
    """Unusual days grouped into runs of consecutive days that went the same way."""
    runs: list[list[UnusualDay]] = []
    for day in sorted(days, key=lambda each: each.day):
        if (
            runs
            and runs[-1][-1].day == day.day - timedelta(days=1)
            and runs[-1][-1].busier == day.busier
        ):
            runs[-1].append(day)
        else:
            runs.append([day])
    return [UnusualRun(run[0].day, run[-1].day, run[0].busier, tuple(run)) for run in runs]


def busiest_times(
    hub: Hub, first: date, last: date, sensor: Sensor | None = None, top: int = 5
) -> list[BusyTime]:
    """The weekday and London hours with the most people on average in first..last."""
    ids = [sensor.id] if sensor else [s.id for s in hub_sensors(hub)]
    if not ids:
        return []
    # Add up the sensors hour by hour first: the clock arithmetic is then done once an hour,
    # not once a sensor-hour.
    per_hour = (
        select(
            FootfallRollup.bucket_start.label("hour_start"),
            func.sum(FootfallRollup.people).label("people"),
        )
        .where(
            FootfallRollup.sensor_id.in_(ids),
            FootfallRollup.grain == "1h",
            FootfallRollup.bucket_start >= at_london(first),
            FootfallRollup.bucket_start < at_london(last + timedelta(days=1)),
        )
        .group_by(FootfallRollup.bucket_start)
        .subquery()
    )
    local = func.timezone("Europe/London", per_hour.c.hour_start)
    weekday = (func.extract("isodow", local) - 1).label("weekday")
    hour = func.extract("hour", local).label("hour")
    average = func.avg(per_hour.c.people)
    rows = db.session.execute(
        select(weekday, hour, average)
        .group_by(weekday, hour)
        .order_by(average.desc(), weekday, hour)
        .limit(top)
    )
    return [BusyTime(int(w), int(h), float(people)) for w, h, people in rows]


def compare(hub: Hub, baseline: tuple[date, date], period: tuple[date, date]) -> Comparison:
    """Average people a day per sensor and for the hub in a period against a baseline.
    Raises InsightsError for either period being impossible or longer than a year."""
    # Whole days only: a day not yet over would look quiet.
    yesterday = london_today() - timedelta(days=1)
    check_days(*baseline, LONGEST_COMPARISON_DAYS, field="baseline_first", latest=yesterday)
    check_days(*period, LONGEST_COMPARISON_DAYS, field="period_first", latest=yesterday)
    sensors = hub_sensors(hub)
    ids = [s.id for s in sensors]
    totals: dict[str, dict[int, int]] = {}
    for name, (first, last) in (("baseline", baseline), ("period", period)):
        summed: dict[int, int] = defaultdict(int)
        days = figures.sensor_figures(
            ids, "1d", at_london(first), at_london(last + timedelta(days=1))
        )
        for figure in days:
            summed[figure.sensor_id] += figure.people
        totals[name] = summed

    def over(days: tuple[date, date], people: int) -> PeriodFigures:
        first, last = days
        return PeriodFigures(first, last, (last - first).days + 1, people)

    per_sensor = [
        SensorComparison(
            s.name,
            over(baseline, totals["baseline"].get(s.id, 0)),
            over(period, totals["period"].get(s.id, 0)),
        )
        for s in sensors
    ]
    whole = SensorComparison(
        hub.name,
        over(baseline, sum(totals["baseline"].values())),
        over(period, sum(totals["period"].values())),
    )
    return Comparison(whole, per_sensor)


def presets(hub: Hub, runs: Iterable[UnusualRun], today: date | None = None) -> list[Preset]:
    """Comparisons worth one click: each unusual run, and each roadwork of the last year,
    against the four weeks before it."""
    today = today or london_today()
    found = [
        Preset(
            "busier" if run.busier else "quieter",
            "",
            run.first,
            run.last,
            run.first - timedelta(weeks=WEEKS_COMPARED),
            run.first - timedelta(days=1),
        )
        for run in runs
    ]
    roadworks = db.session.scalars(
        select(Roadwork)
        .where(
            Roadwork.hub_id == hub.id,
            Roadwork.starts_at <= at_london(today + timedelta(days=1)),
            Roadwork.ends_at >= at_london(today - timedelta(days=365)),
        )
        .order_by(Roadwork.starts_at)
    )
    for roadwork in roadworks:
        first = max(roadwork.starts_at.astimezone(LONDON).date(), today - timedelta(days=365))
        # Roadworks end at the midnight after their last day.
        last_day = (roadwork.ends_at - timedelta(microseconds=1)).astimezone(LONDON).date()
        last = min(last_day, today - timedelta(days=1))
        if first > last:
            continue
        found.append(
            Preset(
                "roadwork",
                roadwork.street,
                first,
                last,
                first - timedelta(weeks=WEEKS_COMPARED),
                first - timedelta(days=1),
            )
        )
    return found


def progress(hub: Hub) -> list[Progress]:
    """How far the hub is towards each of its targets."""
    businesses = db.session.scalar(
        select(func.count()).where(Business.hub_id == hub.id, Business.status == "approved")
    )
    engaged = dict(
        db.session.execute(
            select(DailyCount.kind, func.sum(DailyCount.count))
            .where(DailyCount.hub_id == hub.id, DailyCount.kind.in_(("install", "offer_redeem")))
            .group_by(DailyCount.kind)
        ).all()
    )
    subscribers = db.session.scalar(select(func.count()).where(PushSubscription.hub_id == hub.id))
    return [
        Progress("businesses", int(businesses or 0), hub.target_businesses),
        Progress("installs", int(engaged.get("install") or 0), hub.target_installs),
        Progress("subscribers", int(subscribers or 0), hub.target_subscribers),
        Progress("redemptions", int(engaged.get("offer_redeem") or 0), hub.target_redemptions),
    ]


@dataclass(frozen=True)
class HubSummary:
    hub: Hub
    last_week: int
    usual_week: float | None
    unusual: int  # unusual days in the last four weeks
    progress: list[Progress]

    @property
    def change(self) -> float | None:
        if not self.usual_week:
            return None
        return (self.last_week - self.usual_week) / self.usual_week


def council_summary(hubs: Sequence[Hub]) -> list[HubSummary]:
    """Every hub side by side: the last seven whole days' footfall against usual, unusual
    days in the last four weeks and progress against targets."""
    yesterday = london_today() - timedelta(days=1)
    summaries = []
    for hub in hubs:
        week = footfall(hub, "day", yesterday - timedelta(days=6), yesterday, None)
        people = [b.people for b in week.buckets if b.people is not None]
        usual = [b.usual for b in week.buckets]
        usual_week = (
            sum(u for u in usual if u is not None) if all(u is not None for u in usual) else None
        )
        flagged = unusual_days(hub, yesterday - timedelta(days=27), yesterday)
        summaries.append(HubSummary(hub, sum(people), usual_week, len(flagged), progress(hub)))
    return summaries
