"""Demo data for three real high streets in the London Borough of Croydon.

Pure data: no database code. ``townhub.demo.seed`` loads it. Coordinates are WGS84
``(lon, lat)``. Street geometry follows the real streets as closely as could be worked
out (see the notes per hub); shop names, phone numbers and offers are fictional.

Run ``python -m townhub.demo.places`` to check the data is consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from townhub.businesses.categories import CATEGORIES

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DemoBusiness:
    slug: str
    name: str
    category: str
    description: str
    address: str
    lon: float
    lat: float
    opening_hours: dict[str, list[tuple[str, str]]]
    phone: str
    accessibility: str


@dataclass(frozen=True)
class DemoSensor:
    device_id: str
    dev_eui: str
    name: str
    lon: float
    lat: float
    base_hourly: int


@dataclass(frozen=True)
class DemoRoadwork:
    reference: str
    street: str
    description: str
    traffic_management: str
    line: list[tuple[float, float]]
    diversion_line: list[tuple[float, float]]
    diversion_text: str
    start_offset_days: int
    duration_days: int


@dataclass(frozen=True)
class DemoOffer:
    business_slug: str
    title: str
    details: str
    terms: str
    start_offset_days: int
    duration_days: int
    radius_m: int | None
    redemption_code: str | None


@dataclass(frozen=True)
class DemoEvent:
    business_slug: str | None
    title: str
    description: str
    place: str
    lon: float
    lat: float
    start_offset_days: int
    start_time: str
    duration_minutes: int


@dataclass(frozen=True)
class DemoHub:
    slug: str
    name: str
    boundary: list[tuple[float, float]]
    centre: tuple[float, float]
    businesses: list[DemoBusiness]
    sensors: list[DemoSensor]
    roadwork: DemoRoadwork
    offers: list[DemoOffer]
    events: list[DemoEvent]
    # Named places residents can choose an alert area around, besides the streets of the
    # businesses (which the seed works out from their addresses): (name, lon, lat).
    landmarks: list[tuple[str, float, float]]


Spans = list[tuple[str, str]]
Ring = list[tuple[float, float]]


def _week(
    weekdays: Spans,
    sat: Spans,
    sun: Spans,
    *,
    mon: Spans | None = None,
    fri: Spans | None = None,
) -> dict[str, Spans]:
    week = {day: list(weekdays) for day in DAYS[:5]}
    if mon is not None:
        week["mon"] = list(mon)
    if fri is not None:
        week["fri"] = list(fri)
    week["sat"] = list(sat)
    week["sun"] = list(sun)
    return week


_HOURS: dict[str, dict[str, Spans]] = {
    "shop": _week([("09:00", "17:30")], [("09:00", "17:30")], []),
    "shop_closed_mon": _week(
        [("10:00", "18:00")], [("09:30", "17:30")], [("11:00", "16:00")], mon=[]
    ),
    "shop_late": _week([("09:30", "19:00")], [("10:00", "18:00")], [("11:00", "16:00")]),
    "launderette": _week([("07:00", "21:00")], [("07:00", "21:00")], [("08:00", "20:00")]),
    "takeaway": _week(
        [("12:00", "23:00")],
        [("12:00", "23:30")],
        [("13:00", "22:00")],
        fri=[("12:00", "23:30")],
    ),
    "commuter_cafe": _week([("06:30", "16:00")], [("08:00", "16:00")], [("09:00", "15:00")]),
    "cafe": _week([("08:00", "17:00")], [("08:30", "17:00")], [("09:00", "16:00")]),
    "barber": _week(
        [("09:00", "19:00")],
        [("08:00", "19:00")],
        [("10:00", "16:00")],
        mon=[("10:00", "18:00")],
    ),
    "pharmacy": _week([("09:00", "18:30")], [("09:00", "17:00")], []),
    "grocer": _week([("08:00", "19:00")], [("08:00", "19:00")], [("09:00", "15:00")]),
    "grocer_late": _week([("07:00", "22:00")], [("07:00", "22:00")], [("08:00", "21:00")]),
    "optician": _week([("09:00", "17:30")], [("09:00", "17:00")], []),
    "beauty": _week([("10:00", "19:00")], [("09:00", "19:00")], [("11:00", "17:00")]),
    "salon": _week([("09:30", "18:00")], [("09:00", "18:00")], [], mon=[]),
    "pub": _week(
        [("12:00", "23:00")],
        [("11:00", "23:30")],
        [("12:00", "22:30")],
        fri=[("12:00", "23:30")],
    ),
    "bakery": _week([("07:00", "15:00")], [("07:00", "15:00")], [("08:00", "13:00")], mon=[]),
    "restaurant": _week(
        [("12:00", "14:30"), ("17:30", "22:30")],
        [("12:00", "23:00")],
        [("12:00", "21:00")],
        mon=[],
    ),
    "wine": _week([("11:00", "19:00")], [("10:00", "19:00")], [("12:00", "17:00")]),
}


def _hours(preset: str) -> dict[str, Spans]:
    """A fresh copy of a set of opening hours, so no two businesses share a dict."""
    return {day: list(spans) for day, spans in _HOURS[preset].items()}


# --------------------------------------------------------------------------- South Norwood
# Norwood Junction station's main entrance faces west onto Station Road, which runs west to
# the Stanley clock tower (1907). There the High Street runs north-east, parallel to the
# railway, to the crossroads with Portland Road, South Norwood Hill and Holmesdale Road by
# the Jolly Sailor corner; Portland Road then passes under the railway heading east.
# Anchors: station 51.3970,-0.0752; Stanley Halls (listed building) 51.4002,-0.0754.

SOUTH_NORWOOD = DemoHub(
    slug="south-norwood",
    name="South Norwood",
    boundary=[
        (-0.0797, 51.3962),
        (-0.0772, 51.3958),
        (-0.075, 51.3958),
        (-0.0738, 51.3968),
        (-0.072, 51.397),
        (-0.0706, 51.3976),
        (-0.071, 51.399),
        (-0.0733, 51.3998),
        (-0.0743, 51.401),
        (-0.0765, 51.4009),
        (-0.0782, 51.3995),
        (-0.0797, 51.3986),
        (-0.0802, 51.3974),
        (-0.0797, 51.3962),
    ],
    centre=(-0.0766, 51.398),
    landmarks=[
        ("Norwood Junction station", -0.0752, 51.397),
        ("Stanley Halls", -0.0754, 51.4002),
    ],
    businesses=[
        DemoBusiness(
            slug="clocktower-launderette",
            name="Clocktower Launderette",
            category="services",
            description=(
                "Self-service washers and dryers, service washes and a drop-off point for dry "
                "cleaning. Big machines take king-size duvets."
            ),
            address="8 Station Road, London SE25 5AJ",
            lon=-0.07746,
            lat=51.397308,
            opening_hours=_hours("launderette"),
            phone="020 8653 1184",
            accessibility=(
                "Step-free entrance; seating inside; staff will help load the big machines."
            ),
        ),
        DemoBusiness(
            slug="mama-efuas-kitchen",
            name="Mama Efua's Kitchen",
            category="food-and-drink",
            description=(
                "Ghanaian takeaway with jollof, waakye, kelewele and light soup. Lunch boxes sell"
                " out by two on match days."
            ),
            address="17 Station Road, London SE25 5AH",
            lon=-0.07713,
            lat=51.39709,
            opening_hours=_hours("takeaway"),
            phone="020 8653 4471",
            accessibility="One small step at the door; ordering counter at wheelchair height.",
        ),
        DemoBusiness(
            slug="canal-line-cycles",
            name="Canal Line Cycles",
            category="leisure",
            description=(
                "Bike repairs, servicing and second-hand bikes, named after the old Croydon Canal"
                " that ran where the railway is now."
            ),
            address="24 Station Road, London SE25 5AJ",
            lon=-0.076617,
            lat=51.397104,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8653 9032",
            accessibility="Step-free entrance; bikes can be wheeled straight into the workshop.",
        ),
        DemoBusiness(
            slug="platform-one-coffee",
            name="Platform One Coffee",
            category="food-and-drink",
            description=(
                "Espresso bar by the station entrance with pastries, toasties and oat milk at no "
                "extra cost. Open early for commuters."
            ),
            address="35 Station Road, London SE25 5AH",
            lon=-0.076239,
            lat=51.396886,
            opening_hours=_hours("commuter_cafe"),
            phone="020 8653 2760",
            accessibility=(
                "Step-free entrance; two tables at wheelchair height; no accessible toilet."
            ),
        ),
        DemoBusiness(
            slug="tower-hardware",
            name="Tower Hardware & Keys",
            category="home-and-garden",
            description=(
                "Old-fashioned hardware shop: screws sold loose, paint mixing, key cutting and "
                "shoe heel repairs while you wait."
            ),
            address="3 High Street, London SE25 6EP",
            lon=-0.07767,
            lat=51.397446,
            opening_hours=_hours("shop"),
            phone="020 8653 3318",
            accessibility="Step-free entrance; narrow aisles, staff happy to fetch items.",
        ),
        DemoBusiness(
            slug="kofi-and-sons-barbers",
            name="Kofi & Sons Barbers",
            category="health-and-beauty",
            description=(
                "Family barbers doing fades, beard shaping and children's cuts. Walk-ins welcome,"
                " appointments on Saturdays."
            ),
            address="10 High Street, London SE25 6EP",
            lon=-0.077591,
            lat=51.397662,
            opening_hours=_hours("barber"),
            phone="020 8653 6642",
            accessibility="One step at the entrance; portable ramp on request.",
        ),
        DemoBusiness(
            slug="goat-house-pharmacy",
            name="Goat House Pharmacy",
            category="health-and-beauty",
            description=(
                "Independent pharmacy offering prescriptions, flu jabs, blood pressure checks and"
                " travel vaccinations."
            ),
            address="15 High Street, London SE25 6EP",
            lon=-0.077239,
            lat=51.397693,
            opening_hours=_hours("pharmacy"),
            phone="020 8653 0927",
            accessibility=(
                "Automatic door; private consultation room on the ground floor; hearing loop at "
                "the counter."
            ),
        ),
        DemoBusiness(
            slug="daily-harvest-grocers",
            name="Daily Harvest Grocers",
            category="groceries",
            description=(
                "Fresh fruit and vegetables, plantain, yams, scotch bonnets and spices, with a "
                "halal meat counter at the back."
            ),
            address="22 High Street, London SE25 6EW",
            lon=-0.077155,
            lat=51.397928,
            opening_hours=_hours("grocer"),
            phone="020 8653 7715",
            accessibility="Step-free entrance; produce boxes on the pavement can narrow the path.",
        ),
        DemoBusiness(
            slug="second-chapter-books",
            name="Second Chapter Books",
            category="leisure",
            description=(
                "Second-hand and new books, with a strong local history shelf and a children's "
                "corner. Books bought most days."
            ),
            address="29 High Street, London SE25 6EW",
            lon=-0.076786,
            lat=51.398,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8653 5506",
            accessibility="Step-free ground floor; the basement is reached by stairs only.",
        ),
        DemoBusiness(
            slug="hope-and-thread",
            name="Hope & Thread Charity Shop",
            category="fashion",
            description=(
                "Charity shop for a local youth project selling clothes, shoes, bric-a-brac and "
                "vinyl. Donations taken until four."
            ),
            address="36 High Street, London SE25 6EW",
            lon=-0.076722,
            lat=51.398237,
            opening_hours=_hours("shop"),
            phone="020 8653 2294",
            accessibility="Step-free entrance; changing room with a curtain and a chair.",
        ),
        DemoBusiness(
            slug="petal-and-stem",
            name="Petal & Stem",
            category="home-and-garden",
            description=(
                "Florist making bouquets to order, with house plants, pots and compost. Same-day "
                "local delivery before noon."
            ),
            address="44 High Street, London SE25 6EB",
            lon=-0.076353,
            lat=51.398299,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8653 8160",
            accessibility="Step-free entrance; buckets can be moved to widen the doorway.",
        ),
        DemoBusiness(
            slug="clearview-opticians",
            name="Clearview Opticians",
            category="health-and-beauty",
            description=(
                "Eye tests, contact lenses and frames for all budgets. NHS eye tests for children"
                " and over-60s."
            ),
            address="51 High Street, London SE25 6EB",
            lon=-0.076246,
            lat=51.39853,
            opening_hours=_hours("optician"),
            phone="020 8653 4039",
            accessibility=(
                "Step-free entrance; testing room on the ground floor; large-print forms."
            ),
        ),
        DemoBusiness(
            slug="anatolia-grill",
            name="Anatolia Grill",
            category="food-and-drink",
            description=(
                "Turkish grill and takeaway: lahmacun, adana kebab and meze, cooked over charcoal."
            ),
            address="58 High Street, London SE25 6EB",
            lon=-0.075867,
            lat=51.398576,
            opening_hours=_hours("takeaway"),
            phone="020 8653 1527",
            accessibility="Step-free entrance; high stools only in the front, tables at the back.",
        ),
        DemoBusiness(
            slug="glow-nails-and-lashes",
            name="Glow Nails & Lashes",
            category="health-and-beauty",
            description=(
                "Nail bar doing gel manicures, acrylics, pedicures and lash lifts. Walk-ins when "
                "there is a free chair."
            ),
            address="66 High Street, London SE25 6EB",
            lon=-0.075739,
            lat=51.398824,
            opening_hours=_hours("beauty"),
            phone="020 8653 3391",
            accessibility="One low step; pedicure chairs need a transfer.",
        ),
        DemoBusiness(
            slug="the-lamplighter",
            name="The Lamplighter",
            category="food-and-drink",
            description=(
                "Corner pub by the Portland Road crossroads with real ale, Sunday roasts and a "
                "quiz on Tuesdays. Busy on Palace match days."
            ),
            address="74 High Street, London SE25 6EB",
            lon=-0.075362,
            lat=51.398876,
            opening_hours=_hours("pub"),
            phone="020 8653 6078",
            accessibility="Step-free side door on Portland Road; accessible toilet.",
        ),
        DemoBusiness(
            slug="woodside-tailoring",
            name="Woodside Tailoring & Alterations",
            category="services",
            description=(
                "Alterations, zip replacements and made-to-measure suits and dresses. Most hems "
                "ready in two days."
            ),
            address="5 Portland Road, London SE25 4PF",
            lon=-0.074815,
            lat=51.3989,
            opening_hours=_hours("shop"),
            phone="020 8656 2214",
            accessibility="Two steps at the entrance; fittings can be arranged at home.",
        ),
        DemoBusiness(
            slug="lanka-spice-grocers",
            name="Lanka Spice Grocers",
            category="groceries",
            description=(
                "Sri Lankan and South Indian grocer with curry leaves, fresh coconuts, rice in "
                "big sacks and hoppers at weekends."
            ),
            address="12 Portland Road, London SE25 4PF",
            lon=-0.074095,
            lat=51.398893,
            opening_hours=_hours("grocer_late"),
            phone="020 8656 7481",
            accessibility="Step-free entrance; the back aisle is narrow.",
        ),
        DemoBusiness(
            slug="portland-bakery",
            name="Portland Road Bakehouse",
            category="food-and-drink",
            description=(
                "Small bakery baking sourdough, rye and cinnamon buns on site from five each "
                "morning."
            ),
            address="21 Portland Road, London SE25 4PT",
            lon=-0.073628,
            lat=51.398557,
            opening_hours=_hours("bakery"),
            phone="020 8656 3390",
            accessibility="Step-free entrance; a bench outside; no seating inside.",
        ),
        DemoBusiness(
            slug="baobab-hair-studio",
            name="Baobab Hair Studio",
            category="health-and-beauty",
            description=(
                "Salon specialising in natural and afro hair: braids, locs, silk presses and "
                "treatments."
            ),
            address="28 Portland Road, London SE25 4PT",
            lon=-0.073,
            lat=51.398444,
            opening_hours=_hours("salon"),
            phone="020 8656 9105",
            accessibility="Step-free entrance; one basin with a tilting chair.",
        ),
        DemoBusiness(
            slug="fix-it-phone-repairs",
            name="Fix-It Phone & Laptop Repairs",
            category="services",
            description=(
                "Screen and battery replacements for phones, tablets and laptops, plus unlocking "
                "and data recovery."
            ),
            address="37 Portland Road, London SE25 4PT",
            lon=-0.072636,
            lat=51.398128,
            opening_hours=_hours("shop_late"),
            phone="020 8656 4823",
            accessibility="Step-free entrance; counter has a lowered section.",
        ),
    ],
    sensors=[
        DemoSensor(
            device_id="sn-clock-tower",
            dev_eui="70B3D57ED0060001",
            name="High Street by the clock tower",
            lon=-0.07775,
            lat=51.39738,
            base_hourly=650,
        ),
        DemoSensor(
            device_id="sn-station-road",
            dev_eui="70B3D57ED0060002",
            name="Station Road outside Norwood Junction station",
            lon=-0.07615,
            lat=51.39693,
            base_hourly=820,
        ),
        DemoSensor(
            device_id="sn-portland-corner",
            dev_eui="70B3D57ED0060003",
            name="High Street at the Portland Road crossroads",
            lon=-0.07555,
            lat=51.39885,
            base_hourly=480,
        ),
    ],
    roadwork=DemoRoadwork(
        reference="LB901-SN-2026-0412",
        street="High Street",
        description=(
            "Emergency sewer repair: a collapsed connection in the carriageway outside "
            "40-48 High Street is being dug out and replaced. The road is closed to traffic; "
            "pavements stay open and every shop is trading as usual."
        ),
        traffic_management="Road closure",
        line=[
            (-0.077496, 51.397631),
            (-0.0772, 51.3978),
            (-0.0765, 51.3983),
            (-0.0758, 51.3987),
            (-0.075695, 51.398763),
        ],
        diversion_line=[
            (-0.0779, 51.3973),
            (-0.079, 51.3967),
            (-0.0803, 51.396),
            (-0.0812, 51.3956),
            (-0.0815, 51.3966),
            (-0.0818, 51.3978),
            (-0.082, 51.3989),
            (-0.08, 51.3991),
            (-0.078, 51.3992),
            (-0.0763, 51.3992),
            (-0.0753, 51.399),
        ],
        diversion_text=(
            "Northbound: from the clock tower follow Selhurst Road south-west, turn right "
            "into Park Road, then right into Holmesdale Road and continue to the Portland "
            "Road / South Norwood Hill crossroads. Southbound: the same in reverse. Buses "
            "follow the same route."
        ),
        start_offset_days=-3,
        duration_days=10,
    ),
    offers=[
        # Ended two weeks ago: the demo owner's "did my offer work?" (see demo/history.py).
        DemoOffer(
            business_slug="mama-efuas-kitchen",
            title="Free kelewele with any lunch box",
            details="Buy any lunch box between 12 and 2 and get a portion of kelewele free.",
            terms="Weekdays 12 to 2. One per lunch box.",
            start_offset_days=-27,
            duration_days=14,
            radius_m=400,
            redemption_code="KELEWELE",
        ),
        DemoOffer(
            business_slug="platform-one-coffee",
            title="Free pastry with any coffee before 9am",
            details=(
                "Buy any hot drink before 9am on a weekday and choose a croissant or "
                "pain au raisin on us."
            ),
            terms="One per customer per day, Monday to Friday. While stocks last.",
            start_offset_days=-7,
            duration_days=30,
            radius_m=400,
            redemption_code="SN-PASTRY",
        ),
        DemoOffer(
            business_slug="portland-bakery",
            title="10% off all bread before 10am",
            details="Every loaf baked this morning is 10% off until ten o'clock.",
            terms="Not with other offers. Excludes celebration cakes.",
            start_offset_days=-3,
            duration_days=21,
            radius_m=None,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="kofi-and-sons-barbers",
            title="£3 off a skin fade, Monday to Wednesday",
            details="Quieter early-week chairs: £3 off any skin fade, walk-in or booked.",
            terms="Monday to Wednesday only. Show the offer before your cut.",
            start_offset_days=-10,
            duration_days=45,
            radius_m=800,
            redemption_code="FADE3",
        ),
        DemoOffer(
            business_slug="second-chapter-books",
            title="Any 3 paperbacks for £5",
            details="Pick any three second-hand paperbacks from the front tables for £5.",
            terms="Second-hand paperbacks only. While stocks last.",
            start_offset_days=4,
            duration_days=14,
            radius_m=None,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="the-lamplighter",
            title="2-for-1 soft drinks on quiz night",
            details="Bring a team to Tuesday's quiz and soft drinks are two for one all night.",
            terms="Tuesdays from 7pm. Soft drinks and alcohol-free beer only.",
            start_offset_days=-24,
            duration_days=14,
            radius_m=600,
            redemption_code="QUIZ2FOR1",
        ),
    ],
    events=[
        DemoEvent(
            business_slug=None,
            title="Family concert at Stanley Arts",
            description=(
                "A local community orchestra plays film music and favourites in the grand "
                "hall built by William Stanley. Children under 12 free."
            ),
            place="Stanley Arts (Stanley Halls), 12 South Norwood Hill",
            lon=-0.0756,
            lat=51.4001,
            start_offset_days=9,
            start_time="14:30",
            duration_minutes=90,
        ),
        DemoEvent(
            business_slug="second-chapter-books",
            title="Local history evening: the Croydon Canal",
            description=(
                "An illustrated talk on the canal that ran through South Norwood before the "
                "railway took its route, with old maps to look at."
            ),
            place="Second Chapter Books, 29 High Street",
            lon=-0.076786,
            lat=51.398,
            start_offset_days=5,
            start_time="19:00",
            duration_minutes=75,
        ),
        DemoEvent(
            business_slug="canal-line-cycles",
            title="Free bike maintenance clinic",
            description=(
                "Bring your bike for a free check of brakes, gears and tyres, and learn to fix "
                "a puncture."
            ),
            place="Canal Line Cycles, 24 Station Road",
            lon=-0.076617,
            lat=51.397104,
            start_offset_days=12,
            start_time="10:00",
            duration_minutes=180,
        ),
        DemoEvent(
            business_slug=None,
            title="Station Road makers' market",
            description=(
                "Stalls from local makers, bakers and growers along Station Road, with music "
                "by the clock tower."
            ),
            place="Station Road, between the clock tower and Norwood Junction station",
            lon=-0.07685,
            lat=51.39712,
            start_offset_days=18,
            start_time="10:00",
            duration_minutes=360,
        ),
    ],
)


# -------------------------------------------------------------------------- Thornton Heath
# The clock tower (1900) stands where Brigstock Road, the High Street and Parchmore Road
# meet, a short walk north-east of Thornton Heath station on Brigstock Road. The High Street
# runs south-east from the clock tower, on the north-east side of the railway, to the
# junction with Whitehorse Road, Whitehorse Lane and Grange Road.
# Anchor: station 51.3988,-0.1004.

THORNTON_HEATH = DemoHub(
    slug="thornton-heath",
    name="Thornton Heath",
    boundary=[
        (-0.1042, 51.3979),
        (-0.1024, 51.3966),
        (-0.1002, 51.3978),
        (-0.0975, 51.3968),
        (-0.095, 51.3954),
        (-0.093, 51.3943),
        (-0.0912, 51.3952),
        (-0.0914, 51.3966),
        (-0.095, 51.3985),
        (-0.0962, 51.3995),
        (-0.0966, 51.4012),
        (-0.0996, 51.4008),
        (-0.1014, 51.4),
        (-0.1036, 51.3993),
        (-0.1042, 51.3979),
    ],
    centre=(-0.0966, 51.398),
    landmarks=[("Thornton Heath station", -0.1004, 51.3988)],
    businesses=[
        DemoBusiness(
            slug="clocktower-travel",
            name="Clocktower Travel & Money Transfer",
            category="services",
            description=(
                "Flights to the Caribbean, West Africa and South Asia, money transfer and parcel "
                "shipping in one office."
            ),
            address="3 Brigstock Road, Thornton Heath CR7 7JA",
            lon=-0.099377,
            lat=51.399231,
            opening_hours=_hours("shop_late"),
            phone="020 8684 2207",
            accessibility="Step-free entrance; seated service at every desk.",
        ),
        DemoBusiness(
            slug="jerk-junction",
            name="Jerk Junction",
            category="food-and-drink",
            description=(
                "Jamaican takeaway with jerk chicken off the drum, curry goat, ackee and saltfish"
                " and fresh juices."
            ),
            address="9 Brigstock Road, Thornton Heath CR7 7JA",
            lon=-0.099983,
            lat=51.399089,
            opening_hours=_hours("takeaway"),
            phone="020 8684 5573",
            accessibility="One step at the door; staff bring orders out on request.",
        ),
        DemoBusiness(
            slug="sunrise-wash",
            name="Sunrise Wash Launderette",
            category="services",
            description=(
                "Launderette with service washes, ironing and big machines for rugs and duvets."
            ),
            address="15 Brigstock Road, Thornton Heath CR7 7JA",
            lon=-0.100337,
            lat=51.398751,
            opening_hours=_hours("launderette"),
            phone="020 8684 9140",
            accessibility="Step-free entrance; folding tables at seated height.",
        ),
        DemoBusiness(
            slug="colliers-water-hardware",
            name="Colliers Water Hardware",
            category="home-and-garden",
            description=(
                "DIY and hardware store with timber cut to size, plumbing fittings, paint and "
                "garden tools."
            ),
            address="27 Brigstock Road, Thornton Heath CR7 7JJ",
            lon=-0.101423,
            lat=51.398369,
            opening_hours=_hours("shop"),
            phone="020 8684 3386",
            accessibility="Step-free entrance; timber loaded to the kerb for you.",
        ),
        DemoBusiness(
            slug="heathfield-pharmacy",
            name="Heathfield Pharmacy",
            category="health-and-beauty",
            description=(
                "Pharmacy with prescription collection and delivery, minor ailments advice and a "
                "weekly blood pressure clinic."
            ),
            address="35 Brigstock Road, Thornton Heath CR7 7JJ",
            lon=-0.101837,
            lat=51.398001,
            opening_hours=_hours("pharmacy"),
            phone="020 8684 6612",
            accessibility="Automatic door; hearing loop; private consultation room.",
        ),
        DemoBusiness(
            slug="thornton-fresh-market",
            name="Thornton Fresh Market",
            category="groceries",
            description=(
                "Big world-food grocer with fresh fish, halal butchery, Caribbean, African and "
                "Asian staples and fresh bread daily."
            ),
            address="4 High Street, Thornton Heath CR7 8LB",
            lon=-0.099043,
            lat=51.399192,
            opening_hours=_hours("grocer_late"),
            phone="020 8689 1042",
            accessibility="Step-free entrance; wide aisles; trolleys with child seats.",
        ),
        DemoBusiness(
            slug="sweet-hands-bakery",
            name="Sweet Hands Bakery",
            category="food-and-drink",
            description=(
                "Caribbean bakery selling hardo bread, bulla, coco bread, patties and bun and "
                "cheese."
            ),
            address="12 High Street, Thornton Heath CR7 8LB",
            lon=-0.098426,
            lat=51.398943,
            opening_hours=_hours("bakery"),
            phone="020 8689 7316",
            accessibility="Step-free entrance; small counter, no seating.",
        ),
        DemoBusiness(
            slug="kingsway-barbers",
            name="Kingsway Barbers",
            category="health-and-beauty",
            description="Barbers for skin fades, line-ups, hot towel shaves and children's cuts.",
            address="21 High Street, Thornton Heath CR7 8LB",
            lon=-0.097999,
            lat=51.398512,
            opening_hours=_hours("barber"),
            phone="020 8689 2258",
            accessibility="One step at the entrance; ramp available.",
        ),
        DemoBusiness(
            slug="lagos-fabrics",
            name="Lagos Fabrics & Tailoring",
            category="fashion",
            description=(
                "Ankara and lace fabrics by the yard, with a tailor making outfits for weddings "
                "and church."
            ),
            address="30 High Street, Thornton Heath CR7 8LE",
            lon=-0.097284,
            lat=51.39826,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8689 6684",
            accessibility="Step-free entrance; fitting room with a seat.",
        ),
        DemoBusiness(
            slug="heath-books-and-comics",
            name="Heath Books & Comics",
            category="leisure",
            description=(
                "New and second-hand books, comics and graphic novels, with a board-game table on"
                " Saturdays."
            ),
            address="39 High Street, Thornton Heath CR7 8LE",
            lon=-0.096841,
            lat=51.397829,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8689 4415",
            accessibility="Step-free entrance; comics also on low shelves.",
        ),
        DemoBusiness(
            slug="saffron-house",
            name="Saffron House",
            category="food-and-drink",
            description=(
                "South Indian and Sri Lankan café: dosa, kottu, string hoppers and masala tea."
            ),
            address="48 High Street, Thornton Heath CR7 8LE",
            lon=-0.096121,
            lat=51.397587,
            opening_hours=_hours("restaurant"),
            phone="020 8689 3397",
            accessibility="Step-free entrance; accessible toilet; high chairs.",
        ),
        DemoBusiness(
            slug="silk-touch-nails",
            name="Silk Touch Nails",
            category="health-and-beauty",
            description="Nail bar for gel, acrylics, nail art and pedicures.",
            address="57 High Street, Thornton Heath CR7 8LF",
            lon=-0.09565,
            lat=51.397167,
            opening_hours=_hours("beauty"),
            phone="020 8689 5580",
            accessibility="Step-free entrance; pedicure chairs need a transfer.",
        ),
        DemoBusiness(
            slug="whitehorse-charity-shop",
            name="Whitehorse Community Charity Shop",
            category="fashion",
            description=(
                "Charity shop raising money for local food banks: clothes, books, toys and small "
                "furniture."
            ),
            address="66 High Street, Thornton Heath CR7 8LF",
            lon=-0.094914,
            lat=51.396936,
            opening_hours=_hours("shop"),
            phone="020 8689 8823",
            accessibility="Step-free entrance; staff can carry larger items.",
        ),
        DemoBusiness(
            slug="grange-florist",
            name="Grange Florist",
            category="home-and-garden",
            description=(
                "Florist for bouquets, funeral tributes and wedding flowers, plus house plants."
            ),
            address="78 High Street, Thornton Heath CR7 8LF",
            lon=-0.09447,
            lat=51.396505,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8689 2064",
            accessibility="One low step; orders can be brought to the door.",
        ),
        DemoBusiness(
            slug="brightsight-opticians",
            name="Brightsight Opticians",
            category="health-and-beauty",
            description=(
                "Independent opticians with NHS eye tests, frames, contact lenses and home visits."
            ),
            address="90 High Street, Thornton Heath CR7 8LT",
            lon=-0.093751,
            lat=51.396258,
            opening_hours=_hours("optician"),
            phone="020 8689 7751",
            accessibility="Step-free entrance; ground-floor testing room; hearing loop.",
        ),
        DemoBusiness(
            slug="the-tram-shed",
            name="The Tram Shed",
            category="food-and-drink",
            description=(
                "Pub named after the trams that once ran down the High Street. Live reggae on "
                "Fridays and football on the big screen."
            ),
            address="103 High Street, Thornton Heath CR7 8RY",
            lon=-0.093443,
            lat=51.395899,
            opening_hours=_hours("pub"),
            phone="020 8689 0336",
            accessibility="Step-free entrance; accessible toilet.",
        ),
        DemoBusiness(
            slug="heath-phone-clinic",
            name="Heath Phone & Computer Clinic",
            category="services",
            description="Phone and laptop repairs, printing, photocopying and passport photos.",
            address="115 High Street, Thornton Heath CR7 8RY",
            lon=-0.092921,
            lat=51.39576,
            opening_hours=_hours("shop_late"),
            phone="020 8689 9217",
            accessibility="Step-free entrance; counter has a lowered section.",
        ),
        DemoBusiness(
            slug="parchmore-butchers",
            name="Parchmore Halal Butchers",
            category="groceries",
            description=(
                "Halal butcher with fresh lamb, goat and chicken, cut to order, plus marinades."
            ),
            address="6 Parchmore Road, Thornton Heath CR7 8LX",
            lon=-0.098716,
            lat=51.399614,
            opening_hours=_hours("grocer"),
            phone="020 8665 2481",
            accessibility="Step-free entrance.",
        ),
        DemoBusiness(
            slug="clocktower-cycles",
            name="Clocktower Cycles",
            category="leisure",
            description="Bike and e-scooter repairs, kids' bikes and second-hand commuter bikes.",
            address="14 Parchmore Road, Thornton Heath CR7 8LX",
            lon=-0.098353,
            lat=51.400011,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8665 7093",
            accessibility="Step-free entrance; bikes wheeled straight in.",
        ),
        DemoBusiness(
            slug="stitch-and-sole",
            name="Stitch & Sole Repairs",
            category="services",
            description="Shoe repairs, key cutting, watch batteries and engraving while you wait.",
            address="22 Parchmore Road, Thornton Heath CR7 8LY",
            lon=-0.097695,
            lat=51.400208,
            opening_hours=_hours("shop"),
            phone="020 8665 3354",
            accessibility="One step at the entrance; service at the door on request.",
        ),
    ],
    sensors=[
        DemoSensor(
            device_id="th-clock-tower",
            dev_eui="70B3D57ED0060011",
            name="High Street by the clock tower",
            lon=-0.09905,
            lat=51.39928,
            base_hourly=900,
        ),
        DemoSensor(
            device_id="th-brigstock-station",
            dev_eui="70B3D57ED0060012",
            name="Brigstock Road outside Thornton Heath station",
            lon=-0.10025,
            lat=51.39872,
            base_hourly=760,
        ),
        DemoSensor(
            device_id="th-high-street-east",
            dev_eui="70B3D57ED0060013",
            name="High Street towards Whitehorse Road",
            lon=-0.0948,
            lat=51.39678,
            base_hourly=420,
        ),
    ],
    roadwork=DemoRoadwork(
        reference="LB901-TH-2026-0388",
        street="High Street",
        description=(
            "Croydon Council is resurfacing the High Street between the clock tower and "
            "Whitehorse Road. Eastbound traffic is stopped while each section is planed and "
            "relaid; westbound stays open under a lane closure."
        ),
        traffic_management="Road closure (eastbound)",
        line=[
            (-0.098735, 51.399068),
            (-0.0985, 51.3989),
            (-0.0975, 51.3983),
            (-0.0963, 51.3976),
            (-0.095, 51.3969),
            (-0.0938, 51.3962),
            (-0.09331, 51.395906),
        ],
        diversion_line=[
            (-0.0992, 51.3994),
            (-0.0982, 51.4001),
            (-0.0968, 51.4008),
            (-0.0952, 51.4012),
            (-0.0938, 51.4013),
            (-0.0932, 51.4),
            (-0.0928, 51.3985),
            (-0.0926, 51.397),
            (-0.0928, 51.3957),
        ],
        diversion_text=(
            "Eastbound: at the clock tower bear left into Parchmore Road, turn right into "
            "Grange Road and follow it south to rejoin the High Street at the Whitehorse Road "
            "junction."
        ),
        start_offset_days=6,
        duration_days=5,
    ),
    offers=[
        DemoOffer(
            business_slug="sweet-hands-bakery",
            title="Free coco bread with any two patties",
            details="Buy any two patties and we'll add a coco bread to go with them.",
            terms="One per customer per visit.",
            start_offset_days=-5,
            duration_days=30,
            radius_m=500,
            redemption_code="TH-COCO",
        ),
        DemoOffer(
            business_slug="thornton-fresh-market",
            title="10% off fresh fish on Tuesdays",
            details="All fresh fish from the counter is 10% off every Tuesday, cleaned free.",
            terms="Tuesdays only. Not frozen fish.",
            start_offset_days=-14,
            duration_days=60,
            radius_m=None,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="heath-books-and-comics",
            title="20% off graphic novels",
            details="A fifth off every graphic novel and manga volume in the shop.",
            terms="Not with other offers.",
            start_offset_days=-2,
            duration_days=10,
            radius_m=1000,
            redemption_code="HEATHCOMICS",
        ),
        DemoOffer(
            business_slug="saffron-house",
            title="Lunch deal: dosa and masala tea for £7",
            details="Any plain or masala dosa with a masala tea, noon to three on weekdays.",
            terms="Eat in only. Monday closed.",
            start_offset_days=6,
            duration_days=21,
            radius_m=700,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="sunrise-wash",
            title="£2 off a service wash",
            details="Drop off a load in the morning and collect it washed, dried and folded.",
            terms="Drop off before 11am. One per customer.",
            start_offset_days=-30,
            duration_days=14,
            radius_m=300,
            redemption_code="WASH2",
        ),
    ],
    events=[
        DemoEvent(
            business_slug=None,
            title="Clock tower heritage walk",
            description=(
                "A one-mile guided walk from the 1900 clock tower, taking in the old tram "
                "route, Gillett & Johnston's bell foundry site and the Pond."
            ),
            place=(
                "Thornton Heath Clock Tower, junction of High Street, Brigstock Road and "
                "Parchmore Road"
            ),
            lon=-0.09915,
            lat=51.39935,
            start_offset_days=7,
            start_time="11:00",
            duration_minutes=90,
        ),
        DemoEvent(
            business_slug="saffron-house",
            title="Dosa masterclass",
            description=(
                "Learn to make dosa batter, spread a crisp dosa and cook two chutneys, then "
                "eat what you make."
            ),
            place="Saffron House, 48 High Street",
            lon=-0.096121,
            lat=51.397587,
            start_offset_days=14,
            start_time="18:30",
            duration_minutes=120,
        ),
        DemoEvent(
            business_slug="heath-books-and-comics",
            title="Comic drawing workshop (ages 8-14)",
            description=(
                "A local illustrator shows how to plan a comic strip and draw characters. "
                "Paper and pens provided."
            ),
            place="Heath Books & Comics, 39 High Street",
            lon=-0.096841,
            lat=51.397829,
            start_offset_days=10,
            start_time="10:30",
            duration_minutes=120,
        ),
        DemoEvent(
            business_slug="lagos-fabrics",
            title="Gele tying workshop",
            description="Learn three ways to tie a gele head wrap. Fabric provided to practise.",
            place="Lagos Fabrics & Tailoring, 30 High Street",
            lon=-0.097284,
            lat=51.39826,
            start_offset_days=21,
            start_time="14:00",
            duration_minutes=90,
        ),
    ],
)


# ---------------------------------------------------------------------------------- Purley
# The town centre is a one-way triangle: the High Street runs east from Purley Cross
# towards Brighton Road and the station, Russell Hill Road runs north from Purley Cross,
# and Brighton Road closes the triangle on the east side towards Purley Road and Tesco.
# Purley station sits up the slope east of Brighton Road.
# Anchor: station 51.3376,-0.1139. This is the least certain of the three layouts.

PURLEY = DemoHub(
    slug="purley",
    name="Purley",
    boundary=[
        (-0.12, 51.3335),
        (-0.1162, 51.3336),
        (-0.114, 51.3355),
        (-0.1122, 51.3368),
        (-0.1124, 51.3386),
        (-0.1138, 51.3402),
        (-0.1155, 51.3418),
        (-0.1185, 51.3418),
        (-0.1208, 51.3405),
        (-0.1207, 51.3385),
        (-0.1212, 51.336),
        (-0.12, 51.3335),
    ],
    centre=(-0.1167, 51.3382),
    landmarks=[("Purley station", -0.1139, 51.3376)],
    businesses=[
        DemoBusiness(
            slug="russell-hill-dry-cleaners",
            name="Russell Hill Dry Cleaners",
            category="services",
            description=(
                "Dry cleaning, shirt service, curtain cleaning and alterations. Next-day service "
                "on most items."
            ),
            address="4 Russell Hill Road, Purley CR8 2LA",
            lon=-0.118352,
            lat=51.337125,
            opening_hours=_hours("shop"),
            phone="020 8660 3127",
            accessibility="Step-free entrance.",
        ),
        DemoBusiness(
            slug="kenley-cycle-co",
            name="Kenley Cycle Co.",
            category="leisure",
            description=(
                "Road, gravel and e-bikes with a busy workshop and a Saturday group ride to the "
                "Downs."
            ),
            address="12 Russell Hill Road, Purley CR8 2LA",
            lon=-0.118282,
            lat=51.337725,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8660 5582",
            accessibility="Step-free entrance; bike fitting on the ground floor.",
        ),
        DemoBusiness(
            slug="foxley-pet-supplies",
            name="Foxley Pet Supplies",
            category="home-and-garden",
            description="Pet food, bedding, toys and a self-service dog wash at the back.",
            address="18 Russell Hill Road, Purley CR8 2LE",
            lon=-0.11863,
            lat=51.338226,
            opening_hours=_hours("shop"),
            phone="020 8660 2290",
            accessibility="Step-free entrance; heavy sacks carried to your car.",
        ),
        DemoBusiness(
            slug="nonna-rosa-trattoria",
            name="Nonna Rosa Trattoria",
            category="food-and-drink",
            description=(
                "Family-run Italian restaurant with fresh pasta made each morning and a wood-"
                "fired oven."
            ),
            address="26 Russell Hill Road, Purley CR8 2LE",
            lon=-0.118623,
            lat=51.338886,
            opening_hours=_hours("restaurant"),
            phone="020 8660 7714",
            accessibility="Step-free entrance; accessible toilet; large-print menus.",
        ),
        DemoBusiness(
            slug="sakura-sushi-bar",
            name="Sakura Sushi Bar",
            category="food-and-drink",
            description="Sushi, ramen and bento boxes to eat in or take away.",
            address="34 Russell Hill Road, Purley CR8 2LE",
            lon=-0.119012,
            lat=51.339499,
            opening_hours=_hours("restaurant"),
            phone="020 8660 4468",
            accessibility="One small step; tables at standard height.",
        ),
        DemoBusiness(
            slug="purley-cross-pharmacy",
            name="Purley Cross Pharmacy",
            category="health-and-beauty",
            description=(
                "Pharmacy with NHS prescriptions, vaccinations, hay fever advice and free local "
                "delivery."
            ),
            address="3 High Street, Purley CR8 2AF",
            lon=-0.11771,
            lat=51.336807,
            opening_hours=_hours("pharmacy"),
            phone="020 8660 1935",
            accessibility="Automatic door; hearing loop; consultation room.",
        ),
        DemoBusiness(
            slug="the-pear-tree-cafe",
            name="The Pear Tree Café",
            category="food-and-drink",
            description=(
                "Café named after Purley's old meaning, 'pear tree clearing', with breakfasts, "
                "cakes and good coffee."
            ),
            address="9 High Street, Purley CR8 2AF",
            lon=-0.117351,
            lat=51.336795,
            opening_hours=_hours("cafe"),
            phone="020 8660 8451",
            accessibility="Step-free entrance; accessible toilet; dogs welcome.",
        ),
        DemoBusiness(
            slug="webb-and-daughters-hardware",
            name="Webb & Daughters Hardware",
            category="home-and-garden",
            description=(
                "Hardware and garden shop with bird food, compost, paint, tools and key cutting."
            ),
            address="15 High Street, Purley CR8 2AF",
            lon=-0.117199,
            lat=51.336999,
            opening_hours=_hours("shop"),
            phone="020 8660 2673",
            accessibility="One step at the entrance; ramp on request.",
        ),
        DemoBusiness(
            slug="bourne-valley-books",
            name="Bourne Valley Books",
            category="leisure",
            description=(
                "Independent bookshop with new fiction, local history, maps and a children's "
                "reading nook."
            ),
            address="22 High Street, Purley CR8 2AA",
            lon=-0.116811,
            lat=51.336997,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8660 6120",
            accessibility=(
                "Step-free entrance; the children's nook has floor cushions and low shelves."
            ),
        ),
        DemoBusiness(
            slug="downs-hospice-shop",
            name="Downs Hospice Charity Shop",
            category="fashion",
            description=(
                "Charity shop with good-quality clothes, bridal wear, books and homeware, raising"
                " money for hospice care."
            ),
            address="28 High Street, Purley CR8 2AA",
            lon=-0.116659,
            lat=51.337201,
            opening_hours=_hours("shop"),
            phone="020 8660 9348",
            accessibility="Step-free entrance; seating while you wait.",
        ),
        DemoBusiness(
            slug="riddlesdown-deli",
            name="Riddlesdown Deli",
            category="groceries",
            description=(
                "Deli with Surrey cheeses, cured meats, fresh olives, local honey and takeaway "
                "sandwiches."
            ),
            address="34 High Street, Purley CR8 2AA",
            lon=-0.1163,
            lat=51.337189,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8660 4402",
            accessibility="Step-free entrance; narrow space near the counter.",
        ),
        DemoBusiness(
            slug="harmony-hair-and-beauty",
            name="Harmony Hair & Beauty",
            category="health-and-beauty",
            description="Salon for cuts, colour, blow-dries, facials and waxing.",
            address="41 High Street, Purley CR8 2AX",
            lon=-0.11612,
            lat=51.337403,
            opening_hours=_hours("salon"),
            phone="020 8660 3819",
            accessibility="Step-free entrance; treatment room on the ground floor.",
        ),
        DemoBusiness(
            slug="lens-and-light-opticians",
            name="Lens & Light Opticians",
            category="health-and-beauty",
            description="Opticians with eye examinations, OCT scans, frames and hearing tests.",
            address="47 High Street, Purley CR8 2AX",
            lon=-0.115761,
            lat=51.337391,
            opening_hours=_hours("optician"),
            phone="020 8660 5286",
            accessibility="Step-free entrance; hearing loop; large-print test charts.",
        ),
        DemoBusiness(
            slug="tiny-acorns-toys",
            name="Tiny Acorns Toys & Games",
            category="leisure",
            description=(
                "Toy shop with wooden toys, jigsaws, craft kits and board games for all ages."
            ),
            address="53 High Street, Purley CR8 2AX",
            lon=-0.11558,
            lat=51.337606,
            opening_hours=_hours("shop"),
            phone="020 8660 7061",
            accessibility="Step-free entrance; room for pushchairs.",
        ),
        DemoBusiness(
            slug="chalk-hill-tailors",
            name="Chalk Hill Tailors",
            category="services",
            description=(
                "Alterations, repairs and made-to-measure suits, with school uniform hemming in "
                "August."
            ),
            address="59 High Street, Purley CR8 2AY",
            lon=-0.115196,
            lat=51.337622,
            opening_hours=_hours("shop"),
            phone="020 8660 1547",
            accessibility="Two steps at the entrance; fittings at the door on request.",
        ),
        DemoBusiness(
            slug="bramble-and-bloom",
            name="Bramble & Bloom",
            category="home-and-garden",
            description=(
                "Florist with seasonal bouquets, wreaths and a small garden centre in the yard."
            ),
            address="822 Brighton Road, Purley CR8 2BH",
            lon=-0.114959,
            lat=51.338273,
            opening_hours=_hours("shop_closed_mon"),
            phone="020 8668 2215",
            accessibility="Step-free entrance through the yard gate.",
        ),
        DemoBusiness(
            slug="greenway-fruit-and-veg",
            name="Greenway Fruit & Veg",
            category="groceries",
            description=(
                "Greengrocer with English seasonal produce, eggs from a Surrey farm and fruit "
                "boxes for delivery."
            ),
            address="828 Brighton Road, Purley CR8 2BH",
            lon=-0.115276,
            lat=51.338784,
            opening_hours=_hours("grocer"),
            phone="020 8668 4470",
            accessibility="Step-free entrance; stalls on the pavement.",
        ),
        DemoBusiness(
            slug="the-pear-and-plough",
            name="The Pear & Plough",
            category="food-and-drink",
            description=(
                "Pub with a beer garden, Sunday roasts, quiz on Wednesdays and a big-screen room."
            ),
            address="834 Brighton Road, Purley CR8 2BJ",
            lon=-0.115285,
            lat=51.339327,
            opening_hours=_hours("pub"),
            phone="020 8668 3198",
            accessibility="Step-free entrance from the car park; accessible toilet.",
        ),
        DemoBusiness(
            slug="sharp-edge-barbers",
            name="Sharp Edge Barbers",
            category="health-and-beauty",
            description="Barbers for classic and modern cuts, beard trims and hot towel shaves.",
            address="840 Brighton Road, Purley CR8 2BJ",
            lon=-0.115707,
            lat=51.339788,
            opening_hours=_hours("barber"),
            phone="020 8668 5903",
            accessibility="Step-free entrance.",
        ),
        DemoBusiness(
            slug="vineyard-lane-wines",
            name="Vineyard Lane Wines",
            category="groceries",
            description=(
                "Wine merchant specialising in English sparkling wine, with Friday tastings."
            ),
            address="846 Brighton Road, Purley CR8 2BJ",
            lon=-0.115988,
            lat=51.340307,
            opening_hours=_hours("wine"),
            phone="020 8668 7642",
            accessibility="One low step; cases carried to your car.",
        ),
    ],
    sensors=[
        DemoSensor(
            device_id="pu-purley-cross",
            dev_eui="70B3D57ED0060021",
            name="Purley Cross",
            lon=-0.1179,
            lat=51.33665,
            base_hourly=380,
        ),
        DemoSensor(
            device_id="pu-high-street",
            dev_eui="70B3D57ED0060022",
            name="High Street outside the shops",
            lon=-0.1164,
            lat=51.33723,
            base_hourly=520,
        ),
        DemoSensor(
            device_id="pu-station-approach",
            dev_eui="70B3D57ED0060023",
            name="Approach to Purley station",
            lon=-0.1144,
            lat=51.33768,
            base_hourly=610,
        ),
    ],
    roadwork=DemoRoadwork(
        reference="LB901-PU-2026-0455",
        street="High Street",
        description=(
            "A new electricity cable is being laid and jointed under the High Street between "
            "Purley Cross and Brighton Road. The road is closed to through traffic; footways "
            "and access to the shops and the station stay open."
        ),
        traffic_management="Road closure",
        line=[
            (-0.117658, 51.336753),
            (-0.117, 51.337),
            (-0.1162, 51.3373),
            (-0.1154, 51.3376),
            (-0.115129, 51.337735),
        ],
        diversion_line=[
            (-0.118, 51.3367),
            (-0.1184, 51.3378),
            (-0.1187, 51.3388),
            (-0.119, 51.3398),
            (-0.1182, 51.3405),
            (-0.117, 51.3406),
            (-0.1163, 51.3405),
            (-0.1156, 51.3398),
            (-0.1152, 51.3389),
            (-0.115, 51.3379),
        ],
        diversion_text=(
            "From Purley Cross follow Russell Hill Road north, continue round by Purley Road "
            "and come back south on Brighton Road to the end of the High Street."
        ),
        start_offset_days=-1,
        duration_days=6,
    ),
    offers=[
        DemoOffer(
            business_slug="the-pear-tree-cafe",
            title="Free babyccino with any adult drink",
            details="Little ones get a frothy milk with marshmallows when you buy any drink.",
            terms="Children under 8. One per child.",
            start_offset_days=-4,
            duration_days=28,
            radius_m=None,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="kenley-cycle-co",
            title="Free bike safety check",
            details="A 15-minute check of brakes, tyres, chain and lights, no booking needed.",
            terms="Parts and extra labour charged as normal.",
            start_offset_days=-12,
            duration_days=40,
            radius_m=1000,
            redemption_code="PU-CHECK",
        ),
        DemoOffer(
            business_slug="riddlesdown-deli",
            title="Soup and sandwich for £6.50",
            details="Today's soup with any sandwich from the counter, to eat in or take away.",
            terms="11:30 to 15:00, Tuesday to Saturday.",
            start_offset_days=-1,
            duration_days=30,
            radius_m=400,
            redemption_code=None,
        ),
        DemoOffer(
            business_slug="tiny-acorns-toys",
            title="15% off board games",
            details="Every family and strategy board game in the shop is 15% off.",
            terms="Not with other offers. Excludes pre-orders.",
            start_offset_days=3,
            duration_days=10,
            radius_m=800,
            redemption_code="PLAYMORE",
        ),
        DemoOffer(
            business_slug="vineyard-lane-wines",
            title="£5 off two bottles of English sparkling wine",
            details="Mix and match any two bottles of English sparkling wine and save £5.",
            terms="Over-18s only. ID may be requested.",
            start_offset_days=-35,
            duration_days=21,
            radius_m=None,
            redemption_code="FIZZ5",
        ),
    ],
    events=[
        DemoEvent(
            business_slug="bourne-valley-books",
            title="Author talk: Purley's iron railway",
            description=(
                "The story of the horse-drawn Croydon, Merstham and Godstone Iron Railway "
                "that once ran through Purley, with a book signing."
            ),
            place="Bourne Valley Books, 22 High Street",
            lon=-0.116811,
            lat=51.336997,
            start_offset_days=6,
            start_time="19:00",
            duration_minutes=90,
        ),
        DemoEvent(
            business_slug="kenley-cycle-co",
            title="Saturday social ride to Kenley Common",
            description=(
                "A no-drop 25 km ride up onto the Downs and back, with a café stop. Helmets "
                "required; lights in winter."
            ),
            place="Kenley Cycle Co., 12 Russell Hill Road (meeting point)",
            lon=-0.118282,
            lat=51.337725,
            start_offset_days=4,
            start_time="08:30",
            duration_minutes=150,
        ),
        DemoEvent(
            business_slug="nonna-rosa-trattoria",
            title="Fresh pasta workshop",
            description=(
                "Make tagliatelle and filled ravioli by hand with the chef, then sit down to "
                "eat them with a glass of wine."
            ),
            place="Nonna Rosa Trattoria, 26 Russell Hill Road",
            lon=-0.118623,
            lat=51.338886,
            start_offset_days=16,
            start_time="18:00",
            duration_minutes=150,
        ),
        DemoEvent(
            business_slug=None,
            title="Purley Cross craft market",
            description=(
                "Twenty stalls of local crafts, plants, honey and street food along the "
                "High Street."
            ),
            place="High Street, Purley, by Purley Cross",
            lon=-0.11715,
            lat=51.33695,
            start_offset_days=25,
            start_time="10:00",
            duration_minutes=300,
        ),
    ],
)


HUBS: list[DemoHub] = [SOUTH_NORWOOD, PURLEY, THORNTON_HEATH]


# ------------------------------------------------------------------------------ self-check


def _point_in_polygon(lon: float, lat: float, ring: list[tuple[float, float]]) -> bool:
    """Ray casting: count crossings of a ray running east from the point."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def _segments_cross(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (orient(a, b, c) * orient(a, b, d) < 0) and (orient(c, d, a) * orient(c, d, b) < 0)


def _is_simple(ring: list[tuple[float, float]]) -> bool:
    edges = list(pairwise(ring))
    for i, (a, b) in enumerate(edges):
        for j, (c, d) in enumerate(edges):
            if abs(i - j) <= 1 or {i, j} == {0, len(edges) - 1}:
                continue
            if _segments_cross(a, b, c, d):
                return False
    return len(set(ring[:-1])) == len(ring) - 1


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance, plenty accurate over a few hundred metres."""
    from math import cos, hypot, radians

    kx = 111_320.0 * cos(radians((a[1] + b[1]) / 2))
    return hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * 111_320.0)


def _is_hhmm(value: str) -> bool:
    hours, sep, minutes = value.partition(":")
    return (
        sep == ":"
        and len(hours) == 2
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and int(hours) < 24
        and int(minutes) < 60
    )


def check(hubs: list[DemoHub]) -> list[str]:
    """Every problem found in the demo data; an empty list means it is consistent."""
    import re

    problems: list[str] = []
    hub_slugs: set[str] = set()
    dev_euis: set[str] = set()
    device_ids: set[str] = set()
    for hub in hubs:
        where = hub.slug
        ring = hub.boundary
        if hub.slug in hub_slugs:
            problems.append(f"{where}: duplicate hub slug")
        hub_slugs.add(hub.slug)
        if ring[0] != ring[-1]:
            problems.append(f"{where}: boundary is not closed")
        if not 8 <= len(ring) - 1 <= 20:
            problems.append(f"{where}: boundary has {len(ring) - 1} points, want 8-20")
        if _signed_area(ring) <= 0:
            problems.append(f"{where}: boundary is not counter-clockwise")
        if not _is_simple(ring):
            problems.append(f"{where}: boundary intersects itself")

        def inside(
            label: str, lon: float, lat: float, hub_where: str = where, hub_ring: Ring = ring
        ) -> None:
            if not _point_in_polygon(lon, lat, hub_ring):
                problems.append(f"{hub_where}: {label} ({lon}, {lat}) is outside the boundary")

        inside("centre", *hub.centre)
        for name, lon, lat in hub.landmarks:
            if _metres((lon, lat), hub.centre) > 1000:
                problems.append(f"{where}: landmark {name} is over 1 km from the centre")
        if len(hub.businesses) != 20:
            problems.append(f"{where}: {len(hub.businesses)} businesses, want 20")
        slugs: set[str] = set()
        for business in hub.businesses:
            label = f"business {business.slug}"
            if business.slug in slugs:
                problems.append(f"{where}: duplicate {label}")
            slugs.add(business.slug)
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", business.slug):
                problems.append(f"{where}: bad slug {business.slug!r}")
            if business.category not in CATEGORIES:
                problems.append(f"{where}: {label} has category {business.category!r}")
            if not re.fullmatch(r"020 8\d{3} \d{4}", business.phone):
                problems.append(f"{where}: {label} has phone {business.phone!r}")
            if tuple(business.opening_hours) != DAYS:
                problems.append(f"{where}: {label} opening hours keys are not mon..sun")
            for spans in business.opening_hours.values():
                for opens, closes in spans:
                    if not (_is_hhmm(opens) and _is_hhmm(closes) and opens < closes):
                        problems.append(f"{where}: {label} has span {opens}-{closes}")
            inside(label, business.lon, business.lat)
        if len({(b.lon, b.lat) for b in hub.businesses}) != len(hub.businesses):
            problems.append(f"{where}: two businesses share a point")

        if len(hub.sensors) != 3:
            problems.append(f"{where}: {len(hub.sensors)} sensors, want 3")
        for sensor in hub.sensors:
            label = f"sensor {sensor.device_id}"
            if sensor.dev_eui in dev_euis:
                problems.append(f"{where}: duplicate dev_eui {sensor.dev_eui}")
            dev_euis.add(sensor.dev_eui)
            if sensor.device_id in device_ids:
                problems.append(f"{where}: duplicate device_id {sensor.device_id}")
            device_ids.add(sensor.device_id)
            if not re.fullmatch(r"[0-9A-F]{16}", sensor.dev_eui):
                problems.append(f"{where}: {label} has dev_eui {sensor.dev_eui!r}")
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", sensor.device_id):
                problems.append(f"{where}: bad device_id {sensor.device_id!r}")
            if not 100 <= sensor.base_hourly <= 2000:
                problems.append(f"{where}: {label} base_hourly {sensor.base_hourly}")
            inside(label, sensor.lon, sensor.lat)
        for i, a in enumerate(hub.sensors):
            for b in hub.sensors[i + 1 :]:
                if _metres((a.lon, a.lat), (b.lon, b.lat)) < 50:
                    problems.append(f"{where}: sensors {a.device_id} and {b.device_id} too close")

        works = hub.roadwork
        if len(works.line) < 2 or len(works.diversion_line) < 2:
            problems.append(f"{where}: roadwork lines need at least two points")
        for lon, lat in works.line:
            inside(f"roadwork {works.reference}", lon, lat)
        start_gap = _metres(works.diversion_line[0], works.line[0])
        end_gap = _metres(works.diversion_line[-1], works.line[-1])
        if max(start_gap, end_gap) > 150:
            problems.append(
                f"{where}: diversion ends are {start_gap:.0f} m / {end_gap:.0f} m "
                "from the ends of the works"
            )
        for here, there in pairwise(works.diversion_line):
            if _metres(here, there) > 400:
                problems.append(f"{where}: diversion has a {_metres(here, there):.0f} m jump")
        if works.duration_days < 1:
            problems.append(f"{where}: roadwork duration must be positive")

        if not 4 <= len(hub.offers) <= 6:
            problems.append(f"{where}: {len(hub.offers)} offers, want 4-6")
        for offer in hub.offers:
            if offer.business_slug not in slugs:
                problems.append(f"{where}: offer {offer.title!r} names {offer.business_slug!r}")
            if offer.radius_m is not None and not 200 <= offer.radius_m <= 1000:
                problems.append(f"{where}: offer {offer.title!r} radius {offer.radius_m}")
            if offer.duration_days < 1:
                problems.append(f"{where}: offer {offer.title!r} has no duration")
        live = [
            o
            for o in hub.offers
            if o.start_offset_days <= 0 < o.start_offset_days + o.duration_days
        ]
        future = [o for o in hub.offers if o.start_offset_days > 0]
        expired = [o for o in hub.offers if o.start_offset_days + o.duration_days <= 0]
        if len(live) < len(hub.offers) - 2 or len(future) != 1 or len(expired) != 1:
            problems.append(f"{where}: want mostly live offers, one future and one expired")

        if not 3 <= len(hub.events) <= 4:
            problems.append(f"{where}: {len(hub.events)} events, want 3-4")
        for event in hub.events:
            label = f"event {event.title!r}"
            if event.business_slug is not None and event.business_slug not in slugs:
                problems.append(f"{where}: {label} names {event.business_slug!r}")
            if not 1 <= event.start_offset_days <= 40:
                problems.append(f"{where}: {label} starts {event.start_offset_days} days out")
            if not _is_hhmm(event.start_time) or event.duration_minutes < 15:
                problems.append(f"{where}: {label} has a bad time or duration")
            inside(label, event.lon, event.lat)
    return problems


if __name__ == "__main__":
    found = check(HUBS)
    for problem in found:
        print("FAIL", problem)
    if found:
        raise SystemExit(1)
    for hub in HUBS:
        print(
            f"ok {hub.slug}: {len(hub.businesses)} businesses, {len(hub.sensors)} sensors, "
            f"{len(hub.offers)} offers, {len(hub.events)} events, "
            f"boundary of {len(hub.boundary) - 1} points"
        )
