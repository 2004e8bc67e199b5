"""A business's own figures, for its owners and its high street team: how often its page,
offers and events were seen, saved, redeemed and added to calendars, how many phones
their alerts reached, footfall counted near the shop, and whether the street near the
shop was busier while an offer ran than on the same weekdays in the 4 weeks before.

Engagement counts carry no identity and are shown as they are. Footfall is only read
here: `footfall/` owns the counts.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from townhub.alerts.models import PushDelivery
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.days import at_london
from townhub.common.formatting import LONDON, number
from townhub.engagement.models import DailyCount
from townhub.events.models import Event
from townhub.extensions import db
from townhub.footfall import figures
from townhub.insights.charts import Chart, Series
from townhub.insights.service import EARLIEST
from townhub.offers.models import Offer
from townhub.sensors.models import Sensor

# Sensors this close to the shop count its passers-by.
NEARBY_M = 150
DEFAULT_DAYS = 28
LONGEST_DAYS = 366
# Nothing was counted before Townhub existed; earlier dates are typing slips.
# "Before the offer": the same weekdays in this many weeks before it started.
BASELINE_WEEKS = 4
# A delivery that reached the phone, alone or in the day's summary (as alerts/health.py).
REACHED = ("sent", "digested")

OFFER_KINDS = ("offer_view", "offer_save", "offer_redeem")
EVENT_KINDS = ("event_view", "event_calendar")


class PeriodRefused(ValueError):
    """The period is not one the insights can be shown for."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def starts_at(self) -> datetime:
        return at_london(self.first)

    @property
    def ends_at(self) -> datetime:
        """The moment after the last day (London midnight)."""
        return at_london(self.last + timedelta(days=1))


@dataclass(frozen=True)
class ItemFigures:
    """One offer or event and what residents did with it in the period."""

    id: int
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    views: int
    saves: int  # offers only
    redemptions: int  # offers only
    calendar: int  # events only: calendar files downloaded
    alert_sent: int  # phones the alert was sent to, ever
    alert_reached: int  # of those, phones it reached


@dataclass(frozen=True)
class NearbySensor:
    id: int
    name: str
    distance_m: float


@dataclass(frozen=True)
class Daily:
    """One figure a day over the period; None where no sensor counted that day."""

    page_views: list[int]
    offer_views: list[int]
    offer_saves: list[int]
    offer_redemptions: list[int]
    event_views: list[int]
    event_calendar: list[int]
    footfall: list[int | None]


@dataclass(frozen=True)
class Comparison:
    """People counted a day on average while the offer ran, against the usual for the same
    weekdays in the weeks before; both None when no day could be compared."""

    before: float | None
    during: float | None
    days_compared: int

    @property
    def change_percent(self) -> int | None:
        if self.before is None or self.during is None or self.before <= 0:
            return None
        return round((self.during - self.before) / self.before * 100)


@dataclass(frozen=True)
class OfferDay:
    day: date
    footfall: int | None  # None: no sensor near the shop counted that day
    usual: float | None  # that weekday's average in the weeks before; None if unknown
    redemptions: int


@dataclass(frozen=True)
class OfferEffect:
    """ "Did my offer work?" for one offer. `shortfall` says why no comparison can be made:
    "under_a_day", "no_sensor", "no_baseline" or "no_counts"; None when it can."""

    offer_id: int
    title: str
    first_day: date | None  # the whole days compared (None if there are none)
    last_day: date | None
    days: list[OfferDay]
    near_shop: Comparison
    high_street: Comparison  # the hub's other sensors: was the rest of the street busier too?
    redemptions: int  # on the whole days only
    shortfall: str | None
    ended: bool  # the offer is over (so "under a day" will not change)


@dataclass(frozen=True)
class BusinessInsights:
    business_id: int
    period: Period
    daily: Daily
    offers: list[ItemFigures]
    events: list[ItemFigures]
    sensors: list[NearbySensor]
    effects: list[OfferEffect]

    @property
    def page_views(self) -> int:
        return sum(self.daily.page_views)

    @property
    def footfall(self) -> int:
        return sum(people for people in self.daily.footfall if people is not None)

    @property
    def footfall_days(self) -> int:
        return sum(1 for people in self.daily.footfall if people is not None)


def default_period(today: date) -> Period:
    """The last 28 days, today included."""
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def check_period(first: date, last: date, today: date) -> Period:
    """The period from first to last; raises PeriodRefused if it is back to front, runs
    past today, is longer than 366 days or starts before 2000."""
    if last < first:
        raise PeriodRefused("the last day is before the first")
    if last > today:
        raise PeriodRefused("the period runs past today")
    if (last - first).days + 1 > LONGEST_DAYS:
        raise PeriodRefused(f"the period is longer than {LONGEST_DAYS} days")
    if first < EARLIEST:
        raise PeriodRefused(f"the period starts before {EARLIEST}")
    return Period(first, last)


def insights(business: Business, period: Period, now: datetime) -> BusinessInsights:
    """The business's figures for the period. Raises PeriodRefused for a period that
    check_period would refuse."""
    check_period(period.first, period.last, now.astimezone(LONDON).date())
    offers = _offers(business, period)
    events = _events(business, period)
    counts = _counts(
        business.hub_id,
        [
            (("business_view",), [business.id]),
            (OFFER_KINDS, [o.id for o in offers]),
            (EVENT_KINDS, [e.id for e in events]),
        ],
        period.first,
        period.last,
    )
    sensors = nearby_sensors(business)
    footfall = footfall_by_day([s.id for s in sensors], period.first, period.last)
    days = period.days

    def per_day(kind: str, ids: Collection[int]) -> list[int]:
        totals: dict[date, int] = defaultdict(int)
        for (k, item_id, day), count in counts.items():
            if k == kind and item_id in ids:
                totals[day] += count
        return [totals.get(day, 0) for day in days]

    def total(kind: str, item_id: int) -> int:
        return sum(c for (k, i, _day), c in counts.items() if k == kind and i == item_id)

    offer_ids = {o.id for o in offers}
    event_ids = {e.id for e in events}
    daily = Daily(
        page_views=per_day("business_view", {business.id}),
        offer_views=per_day("offer_view", offer_ids),
        offer_saves=per_day("offer_save", offer_ids),
        offer_redemptions=per_day("offer_redeem", offer_ids),
        event_views=per_day("event_view", event_ids),
        event_calendar=per_day("event_calendar", event_ids),
        footfall=[footfall.get(day) for day in days],
    )
    offer_reach = alert_reach(business.hub_id, "offer", offer_ids)
    event_reach = alert_reach(business.hub_id, "event", event_ids)
    offer_figures = [
        ItemFigures(
            o.id,
            o.title,
            o.status,
            o.starts_at,
            o.ends_at,
            views=total("offer_view", o.id),
            saves=total("offer_save", o.id),
            redemptions=total("offer_redeem", o.id),
            calendar=0,
            alert_sent=offer_reach.get(o.id, (0, 0))[0],
            alert_reached=offer_reach.get(o.id, (0, 0))[1],
        )
        for o in offers
    ]
    event_figures = [
        ItemFigures(
            e.id,
            e.title,
            e.status,
            e.starts_at,
            e.ends_at,
            views=total("event_view", e.id),
            saves=0,
            redemptions=0,
            calendar=total("event_calendar", e.id),
            alert_sent=event_reach.get(e.id, (0, 0))[0],
            alert_reached=event_reach.get(e.id, (0, 0))[1],
        )
        for e in events
    ]
    effects = offer_effects(
        [o for o in offers if o.status == "published" and o.starts_at <= now],
        [s.id for s in sensors],
        _hub_sensor_ids(business.hub_id),
        now,
    )
    return BusinessInsights(
        business.id, period, daily, offer_figures, event_figures, sensors, effects
    )


def _offers(business: Business, period: Period) -> list[Offer]:
    """The business's offers residents could see at some time in the period: published
    ones (running or ended), and ones hidden by the high street team after they were
    published, whose views before that still count. Drafts and offers waiting for
    approval never reached residents."""
    return list(
        db.session.scalars(
            select(Offer)
            .where(
                Offer.business_id == business.id,
                Offer.hub_id == business.hub_id,
                or_(
                    Offer.status == "published",
                    and_(Offer.status == "hidden", Offer.published_at.is_not(None)),
                ),
                Offer.starts_at < period.ends_at,
                Offer.ends_at > period.starts_at,
            )
            .order_by(Offer.starts_at.desc(), Offer.id.desc())
        )
    )


def _events(business: Business, period: Period) -> list[Event]:
    """The business's events that residents could see in the period: posted before it
    ended and not over before it began; published, or hidden by the high street team
    (its views before that still count). Drafts and events waiting for approval never
    reached residents."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.business_id == business.id,
                Event.hub_id == business.hub_id,
                Event.status.in_(("published", "hidden")),
                Event.created_at < period.ends_at,
                Event.ends_at > period.starts_at,
            )
            .order_by(Event.starts_at.desc(), Event.id.desc())
        )
    )


def _counts(
    hub_id: int,
    wanted: Sequence[tuple[Sequence[str], Sequence[int]]],
    first: date,
    last: date,
) -> dict[tuple[str, int, date], int]:
    """Daily totals (all poster refs together) of these kinds for these items."""
    clauses = [
        and_(DailyCount.kind.in_(kinds), DailyCount.item_id.in_(ids))
        for kinds, ids in wanted
        if ids
    ]
    if not clauses:
        return {}
    rows = db.session.execute(
        select(DailyCount.kind, DailyCount.item_id, DailyCount.day, func.sum(DailyCount.count))
        .where(
            DailyCount.hub_id == hub_id,
            DailyCount.day >= first,
            DailyCount.day <= last,
            or_(*clauses),
        )
        .group_by(DailyCount.kind, DailyCount.item_id, DailyCount.day)
    )
    return {(kind, item_id, day): int(total) for kind, item_id, day, total in rows}


def alert_reach(hub_id: int, kind: str, item_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """For each item, (phones its first alert was sent to, phones it reached). Reminders
    go to the same phones, so they are not counted again."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(
            PushDelivery.item_id,
            func.count(),
            func.count().filter(PushDelivery.status.in_(REACHED)),
        )
        .where(
            PushDelivery.hub_id == hub_id,
            PushDelivery.item_kind == kind,
            PushDelivery.item_id.in_(list(item_ids)),
        )
        .group_by(PushDelivery.item_id)
    )
    return {item_id: (int(sent), int(reached)) for item_id, sent, reached in rows}


def nearby_sensors(business: Business, metres: float = NEARBY_M) -> list[NearbySensor]:
    """The hub's sensors within `metres` of the shop, nearest first."""
    distance = geo.distance_m(Sensor.location, business.location)
    rows = db.session.execute(
        select(Sensor.id, Sensor.name, distance)
        .where(
            Sensor.hub_id == business.hub_id,
            geo.within_m(Sensor.location, business.location, metres),
        )
        .order_by(distance, Sensor.id)
    )
    return [NearbySensor(sensor_id, name, float(metres)) for sensor_id, name, metres in rows]


def _hub_sensor_ids(hub_id: int) -> list[int]:
    return list(db.session.scalars(select(Sensor.id).where(Sensor.hub_id == hub_id)))


def footfall_by_day(sensor_ids: Collection[int], first: date, last: date) -> dict[date, int]:
    """People these sensors counted on each London day from first to last; days nothing
    was counted on are left out."""
    combined = figures.hub_figures(
        list(sensor_ids), "1d", at_london(first), at_london(last + timedelta(days=1))
    )
    return {day.bucket_start.astimezone(LONDON).date(): day.people for day in combined}


def compare(
    during: dict[date, int | None], before: dict[date, int | None]
) -> tuple[Comparison, dict[date, float]]:
    """Each day of `during` against the average of the same weekday in `before`, over the
    days both sides have figures for; and the usual figure for each weekday. Raises nothing."""
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, people in before.items():
        if people is not None:
            by_weekday[day.weekday()].append(people)
    usual = {weekday: fmean(values) for weekday, values in by_weekday.items()}
    pairs = [
        (people, usual[day.weekday()])
        for day, people in during.items()
        if people is not None and day.weekday() in usual
    ]
    if not pairs:
        return Comparison(None, None, 0), usual_by_day(during, usual)
    return (
        Comparison(
            before=fmean(u for _p, u in pairs),
            during=fmean(p for p, _u in pairs),
            days_compared=len(pairs),
        ),
        usual_by_day(during, usual),
    )


def usual_by_day(days: Collection[date], usual: dict[int, float]) -> dict[date, float]:
    return {day: usual[day.weekday()] for day in days if day.weekday() in usual}


def whole_days(offer: Offer, now: datetime) -> tuple[date, list[date]]:
    """The London day the offer began, and the London days it ran for the whole of,
    midnight to midnight, up to `now`: a first or last day it began or ended part-way
    through is left out, and so is today until it is over. Nothing before 2000 counts
    (nothing was counted then)."""
    start = max(offer.starts_at, at_london(EARLIEST))
    end = min(offer.ends_at, now)
    start_day = start.astimezone(LONDON).date()
    if end <= start:
        return start_day, []
    first = start_day if start == at_london(start_day) else start_day + timedelta(days=1)
    # The day `end` falls on is never whole: at midnight it has not begun.
    last = end.astimezone(LONDON).date() - timedelta(days=1)
    return start_day, [first + timedelta(days=n) for n in range((last - first).days + 1)]


def offer_effects(
    offers: Sequence[Offer], near_ids: Sequence[int], hub_ids: Sequence[int], now: datetime
) -> list[OfferEffect]:
    """ "Did my offer work?" for each offer: footfall near the shop and redemptions a day
    on the whole days it ran, against the same weekdays in the 4 weeks before it began.
    At most three queries however many offers. Raises nothing: a comparison that cannot be made
    says why in `shortfall`."""
    spans = {offer.id: whole_days(offer, now) for offer in offers}
    running = [(start_day, days) for start_day, days in spans.values() if days]
    if not running:
        return [_effect(offer, *spans[offer.id], near_ids, now, {}, {}, {}) for offer in offers]
    earliest = min(start_day for start_day, _days in running) - timedelta(weeks=BASELINE_WEEKS)
    latest = max(days[-1] for _start_day, days in running)
    redeemed: dict[int, dict[date, int]] = defaultdict(dict)
    for (_kind, offer_id, day), count in _counts(
        offers[0].hub_id,
        [(("offer_redeem",), [offer.id for offer in offers if spans[offer.id][1]])],
        min(days[0] for _start_day, days in running),
        latest,
    ).items():
        redeemed[offer_id][day] = count
    near = footfall_by_day(near_ids, earliest, latest)
    # The rest of the street, away from the shop: was it busier too, offer or not?
    street = footfall_by_day([i for i in hub_ids if i not in near_ids], earliest, latest)
    return [
        _effect(offer, *spans[offer.id], near_ids, now, near, street, redeemed[offer.id])
        for offer in offers
    ]


def offer_effect(
    offer: Offer, near_ids: Sequence[int], hub_ids: Sequence[int], now: datetime
) -> OfferEffect:
    """ "Did my offer work?" for one offer, as offer_effects. Raises nothing."""
    (effect,) = offer_effects([offer], near_ids, hub_ids, now)
    return effect


def _effect(
    offer: Offer,
    start_day: date,
    days: list[date],
    near_ids: Sequence[int],
    now: datetime,
    near: dict[date, int],
    street: dict[date, int],
    redeemed: dict[date, int],
) -> OfferEffect:
    """One offer's comparison, from footfall and redemptions already fetched by day (only
    its whole days' redemptions count)."""
    ended = offer.ends_at <= now
    empty = Comparison(None, None, 0)
    if not days:
        return OfferEffect(
            offer.id, offer.title, None, None, [], empty, empty, 0, "under_a_day", ended
        )
    baseline = [start_day - timedelta(days=n) for n in range(BASELINE_WEEKS * 7, 0, -1)]

    def split(counted: dict[date, int]) -> tuple[dict[date, int | None], dict[date, int | None]]:
        return (
            {day: counted.get(day) for day in days},
            {day: counted.get(day) for day in baseline},
        )

    near_during, near_before = split(near)
    near_shop, usual = compare(near_during, near_before)
    high_street, _usual = compare(*split(street))
    shortfall = None
    if not near_ids:
        shortfall = "no_sensor"
    elif all(people is None for people in near_before.values()):
        shortfall = "no_baseline"
    elif near_shop.days_compared == 0:
        shortfall = "no_counts"
    return OfferEffect(
        offer.id,
        offer.title,
        days[0],
        days[-1],
        [OfferDay(day, near_during[day], usual.get(day), redeemed.get(day, 0)) for day in days],
        near_shop,
        high_street,
        sum(redeemed.get(day, 0) for day in days),
        shortfall,
        ended,
    )


# Charts: each a picture of a table of the figures above, titled in the page's language.


def _day_label(day: date) -> str:
    return str(format_date(day, "d MMM"))


def _busiest(values: Sequence[float | None], days: Sequence[date]) -> str:
    figures = [(v, d) for v, d in zip(values, days, strict=True) if v is not None]
    if not figures or max(v for v, _d in figures) <= 0:
        return ""
    _value, day = max(figures, key=lambda pair: pair[0])
    return str(_("The highest was on %(day)s.", day=format_date(day, "EEEE d MMMM")))


def period_charts(report: BusinessInsights) -> dict[str, Chart]:
    """The day-by-day charts for the period: the page, offers, events and footfall."""
    days = report.period.days
    labels = [_day_label(day) for day in days]
    heading = _("Day")
    daily = report.daily
    offer_views, offer_saves = sum(daily.offer_views), sum(daily.offer_saves)
    redemptions = sum(daily.offer_redemptions)
    event_views, event_calendar = sum(daily.event_views), sum(daily.event_calendar)
    charts = {
        "page": Chart(
            id="chart-page-views",
            title=_("Views of your business’s page, day by day"),
            description=ngettext(
                "%(count)s view in all.",
                "%(count)s views in all.",
                report.page_views,
                count=number(report.page_views),
            )
            + " "
            + _busiest(report.daily.page_views, days),
            category_heading=heading,
            categories=labels,
            series=[Series(_("Views"), report.daily.page_views)],
        ),
        "footfall": Chart(
            id="chart-footfall",
            title=_("People counted near your shop, day by day"),
            description=" ".join(
                (
                    ngettext(
                        "%(count)s person counted in all.",
                        "%(count)s people counted in all.",
                        report.footfall,
                        count=number(report.footfall),
                    ),
                    ngettext(
                        "The sensors counted on %(count)s day.",
                        "The sensors counted on %(count)s days.",
                        report.footfall_days,
                        count=number(report.footfall_days),
                    ),
                    _busiest(report.daily.footfall, days),
                )
            ),
            category_heading=heading,
            categories=labels,
            series=[Series(_("People counted"), report.daily.footfall)],
        ),
    }
    if report.offers:
        charts["offers"] = Chart(
            id="chart-offers",
            title=_("Your offers, day by day"),
            description=" ".join(
                (
                    ngettext(
                        "Your offers were viewed %(count)s time.",
                        "Your offers were viewed %(count)s times.",
                        offer_views,
                        count=number(offer_views),
                    ),
                    ngettext(
                        "They were saved %(count)s time.",
                        "They were saved %(count)s times.",
                        offer_saves,
                        count=number(offer_saves),
                    ),
                    ngettext(
                        "They were redeemed %(count)s time.",
                        "They were redeemed %(count)s times.",
                        redemptions,
                        count=number(redemptions),
                    ),
                )
            ),
            category_heading=heading,
            categories=labels,
            series=[
                Series(_("Views"), report.daily.offer_views),
                Series(_("Saves"), report.daily.offer_saves),
                Series(_("Redemptions"), report.daily.offer_redemptions),
            ],
            kind="line",
        )
    if report.events:
        charts["events"] = Chart(
            id="chart-events",
            title=_("Your events, day by day"),
            description=" ".join(
                (
                    ngettext(
                        "Your events were viewed %(count)s time.",
                        "Your events were viewed %(count)s times.",
                        event_views,
                        count=number(event_views),
                    ),
                    ngettext(
                        "They were added to calendars %(count)s time.",
                        "They were added to calendars %(count)s times.",
                        event_calendar,
                        count=number(event_calendar),
                    ),
                )
            ),
            category_heading=heading,
            categories=labels,
            series=[
                Series(_("Views"), report.daily.event_views),
                Series(_("Calendar downloads"), report.daily.event_calendar),
            ],
            kind="line",
        )
    return charts


def effect_charts(effect: OfferEffect) -> tuple[Chart, Chart] | None:
    """ "During vs before" and day-by-day charts for one offer; None with nothing to show."""
    if effect.shortfall is not None or effect.near_shop.before is None:
        return None
    before = round(effect.near_shop.before, 1)
    during = round(effect.near_shop.during or 0, 1)
    versus = Chart(
        id=f"chart-offer-{effect.offer_id}-versus",
        title=_("People a day near your shop: before and during “%(title)s”", title=effect.title),
        description=_(
            "On average %(before)s a day on the same weekdays in the 4 weeks before, "
            "%(during)s a day during the offer.",
            before=number(before),
            during=number(during),
        ),
        category_heading=_("When"),
        categories=[_("4 weeks before (same weekdays)"), _("During the offer")],
        series=[Series(_("People a day, on average"), [before, during])],
    )
    days = [d.day for d in effect.days]
    each_day = Chart(
        id=f"chart-offer-{effect.offer_id}-days",
        title=_("Each day of “%(title)s”", title=effect.title),
        description=_(
            "People counted near your shop each day of the offer, the usual number for "
            "that weekday, and redemptions."
        ),
        category_heading=_("Day"),
        categories=[str(format_date(day, "EEE d MMM")) for day in days],
        series=[
            Series(_("People counted"), [d.footfall for d in effect.days]),
            Series(
                _("Usual for that weekday"),
                [None if d.usual is None else round(d.usual, 1) for d in effect.days],
            ),
            Series(_("Redemptions"), [d.redemptions for d in effect.days]),
        ],
        kind="line",
    )
    return versus, each_day


def daily_csv(report: BusinessInsights) -> str:
    """The day-by-day figures as CSV, one row a day (an empty cell: nothing counted)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Day"),
            _("Views of your business’s page"),
            _("Views of your offers"),
            _("Offers saved"),
            _("Offers redeemed"),
            _("Views of your events"),
            _("Events added to calendars"),
            _("People counted near your shop"),
        ]
    )
    daily = report.daily
    for n, day in enumerate(report.period.days):
        people = daily.footfall[n]
        writer.writerow(
            [
                day.isoformat(),
                daily.page_views[n],
                daily.offer_views[n],
                daily.offer_saves[n],
                daily.offer_redemptions[n],
                daily.event_views[n],
                daily.event_calendar[n],
                "" if people is None else people,
            ]
        )
    return out.getvalue()
