"""Demo data for the onboarding tracker: shops on the three demo high streets that are not
on Townhub yet, as a high street team would write them down after a few weeks of visits.

Pure data: no database code. ``townhub.demo.seed`` loads it. Shop names are fictional;
the streets are the demo hubs' streets (``townhub.demo.places``), at numbers no demo
business uses. Days are counted from the day the seed runs: ``visits`` are (days ago,
note), ``next_step_in_days`` is negative for a step that is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhub.businesses.categories import CATEGORIES
from townhub.tracker.models import STORED_STATUSES


@dataclass(frozen=True)
class DemoProspect:
    name: str
    address: str
    category: str
    status: str = "not_contacted"
    next_step: str = ""
    next_step_in_days: int | None = None
    visits: tuple[tuple[int, str], ...] = ()


# What the team wrote down about the demo businesses already on Townhub, by how far their
# owners have got: signed in, invited (no password yet), or listed by the team only.
ON_TOWNHUB_NOTES = {
    "active": "Signed in together on the owner's phone and posted a first offer.",
    "invited": "Left the invitation link on a card by the till; owner will try it tonight.",
    "listed": (
        "Listed the shop with the owner. They want to see customers use it before they "
        "sign in themselves."
    ),
}
ON_TOWNHUB_NEXT_STEPS = {
    "invited": "Check the owner has signed in; help set a password if not",
    "listed": "Show the owner how many people looked at the shop's page this month",
}
# How many of each hub's demo businesses (in the order of places.py) have an owner who
# has signed in, and how many more an owner who is invited but has not signed in yet.
OWNERS_SIGNED_IN = {"south-norwood": 13, "purley": 11, "thornton-heath": 9}
OWNERS_INVITED = 2

PROSPECTS: dict[str, list[DemoProspect]] = {
    "south-norwood": [
        DemoProspect(
            "Norwood Junction News",
            "2 Station Road, London SE25 5AJ",
            "services",
            "visited",
            "Come back on a weekday morning, when the papers are done",
            -2,
            ((9, "Owner busy on Saturdays; come back Tuesday morning."),),
        ),
        DemoProspect(
            "Sunshine Caribbean Takeaway",
            "5 Station Road, London SE25 5AH",
            "food-and-drink",
            "visited",
            "Show the menu photo idea to the owner's son, who does their Instagram",
            0,
            (
                (30, "Owner keen but has no smartphone for the shop."),
                (12, "Son helps at weekends and has a phone: he could post the offers."),
            ),
        ),
        DemoProspect(
            "Station Road Dental Care",
            "11 Station Road, London SE25 5AH",
            "health-and-beauty",
            "declined",
            "",
            None,
            ((21, "Practice manager says head office runs all their online listings. Said no."),),
        ),
        DemoProspect("Quick Stop Off Licence", "14 Station Road, London SE25 5AJ", "groceries"),
        DemoProspect("Junction Dry Cleaners", "20 Station Road, London SE25 5AJ", "services"),
        DemoProspect(
            "Norwood Nail Bar",
            "29 Station Road, London SE25 5AH",
            "health-and-beauty",
            "visited",
            "Bring a printed example of a shop page",
            5,
            ((6, "Worried about bad reviews. Explained there are none on Townhub."),),
        ),
        DemoProspect("Clock Tower Kebab House", "1 High Street, London SE25 6EP", "food-and-drink"),
        DemoProspect(
            "Stanley Hall Music",
            "7 High Street, London SE25 6EP",
            "leisure",
            "visited",
            "Help them post the Saturday guitar lessons as an event",
            -6,
            (
                (40, "Owner away; spoke to the assistant, left a leaflet."),
                (19, "Owner likes the events page: runs lessons on Saturdays."),
            ),
        ),
        DemoProspect("SE25 Mobile Accessories", "19 High Street, London SE25 6EP", "services"),
        DemoProspect("Holmesdale Carpets", "26 High Street, London SE25 6EW", "home-and-garden"),
        DemoProspect(
            "Golden Wok",
            "33 High Street, London SE25 6EW",
            "food-and-drink",
            "visited",
            "Come back after 3pm, between lunch and dinner",
            2,
            ((3, "Too busy at lunchtime to talk. Friendly."),),
        ),
        DemoProspect("Norwood Vape Lounge", "40 High Street, London SE25 6EB", "leisure"),
        DemoProspect(
            "Elite Lettings",
            "48 High Street, London SE25 6EB",
            "services",
            "declined",
            "Ask again in spring",
            150,
            ((14, "Said no for now: they only want landlords, not residents."),),
        ),
        DemoProspect("Crystal Palace Fan Shop", "55 High Street, London SE25 6EB", "fashion"),
        DemoProspect(
            "Afro Cosmetics World", "62 High Street, London SE25 6EB", "health-and-beauty"
        ),
        DemoProspect(
            "The Tanning Room",
            "70 High Street, London SE25 6EB",
            "health-and-beauty",
            "visited",
            "",
            None,
            ((25, "Shop shut at 11am on a weekday; notice says open from 12."),),
        ),
        DemoProspect("Portland Road Post Office", "1 Portland Road, London SE25 4PF", "services"),
        DemoProspect("Woodside Green Grocers", "9 Portland Road, London SE25 4PF", "groceries"),
        DemoProspect(
            "Polski Sklep",
            "16 Portland Road, London SE25 4PT",
            "groceries",
            "visited",
            "Bring the Polish leaflet from the council",
            1,
            ((8, "Owner more at ease in Polish; her daughter translated."),),
        ),
        DemoProspect("Portland Road Pets", "33 Portland Road, London SE25 4PT", "home-and-garden"),
    ],
    "purley": [
        DemoProspect(
            "Purley Cross Newsagent",
            "2 Russell Hill Road, Purley CR8 2LA",
            "services",
            "visited",
            "Come back on a weekday morning",
            -1,
            ((7, "Owner busy on Saturdays; come back Tuesday morning."),),
        ),
        DemoProspect("Russell Hill Locksmiths", "8 Russell Hill Road, Purley CR8 2LA", "services"),
        DemoProspect(
            "Hillside Beauty Rooms",
            "22 Russell Hill Road, Purley CR8 2LE",
            "health-and-beauty",
            "visited",
            "Call the owner on Thursday to book a time",
            3,
            ((10, "Interested: wants to post last-minute appointments."),),
        ),
        DemoProspect(
            "Purley Vision Express", "30 Russell Hill Road, Purley CR8 2LE", "health-and-beauty"
        ),
        DemoProspect("Bourne Cleaners", "1 High Street, Purley CR8 2AF", "services"),
        DemoProspect(
            "Purley Kebab & Grill",
            "6 High Street, Purley CR8 2AF",
            "food-and-drink",
            "declined",
            "",
            None,
            ((16, "Said no for now: they use a delivery app and see no need."),),
        ),
        DemoProspect("The Purley Bookshop", "12 High Street, Purley CR8 2AF", "leisure"),
        DemoProspect(
            "Oakwood Home Hardware",
            "18 High Street, Purley CR8 2AA",
            "home-and-garden",
            "visited",
            "Help the owner take a photo of the shop front",
            0,
            (
                (33, "Owner thinks 'the internet is for the big chains'."),
                (18, "Showed Webb & Daughters' page; owner came round to it."),
                (4, "Ready to go. Needs a photo of the shop first."),
            ),
        ),
        DemoProspect("Purley Smile Dental", "25 High Street, Purley CR8 2AA", "health-and-beauty"),
        DemoProspect("Café Milano", "31 High Street, Purley CR8 2AA", "food-and-drink"),
        DemoProspect(
            "Purley Computer Repairs",
            "38 High Street, Purley CR8 2AX",
            "services",
            "visited",
            "",
            None,
            ((12, "Already has a website; will think about it."),),
        ),
        DemoProspect("Threads Boutique", "44 High Street, Purley CR8 2AX", "fashion"),
        DemoProspect("Foxley Lane Florist", "50 High Street, Purley CR8 2AX", "home-and-garden"),
        DemoProspect("Purley Shoe Repairs", "56 High Street, Purley CR8 2AY", "services"),
        DemoProspect(
            "The Brighton Road Chippy",
            "818 Brighton Road, Purley CR8 2BH",
            "food-and-drink",
            "visited",
            "Come back before 4pm, before the fryers are on",
            6,
            ((2, "Owner on holiday; the manager will pass on the leaflet."),),
        ),
        DemoProspect("Purley Tyres & Exhausts", "826 Brighton Road, Purley CR8 2BH", "services"),
        DemoProspect("Downs Yoga Studio", "838 Brighton Road, Purley CR8 2BJ", "leisure"),
    ],
    "thornton-heath": [
        DemoProspect(
            "Brigstock Road Internet Café",
            "5 Brigstock Road, Thornton Heath CR7 7JA",
            "services",
            "visited",
            "Come back on a weekday morning",
            -3,
            ((10, "Owner busy on Saturdays; come back Tuesday morning."),),
        ),
        DemoProspect(
            "Heath Money Exchange", "11 Brigstock Road, Thornton Heath CR7 7JA", "services"
        ),
        DemoProspect(
            "Thornton Heath Fish Bar", "19 Brigstock Road, Thornton Heath CR7 7JJ", "food-and-drink"
        ),
        DemoProspect(
            "Mother Africa Foods",
            "31 Brigstock Road, Thornton Heath CR7 7JJ",
            "groceries",
            "visited",
            "Show the owner how an offer reaches people nearby",
            2,
            (
                (26, "Owner asked if we sell her data. Explained: no tracking, only counts."),
                (11, "More relaxed. Would like to post the Friday plantain deal."),
            ),
        ),
        DemoProspect(
            "Heath Hair & Braids", "2 High Street, Thornton Heath CR7 8LB", "health-and-beauty"
        ),
        DemoProspect(
            "Thornton Heath Cash & Carry", "8 High Street, Thornton Heath CR7 8LB", "groceries"
        ),
        DemoProspect(
            "Clocktower Opticians",
            "16 High Street, Thornton Heath CR7 8LB",
            "health-and-beauty",
            "declined",
            "",
            None,
            ((20, "Said no for now: part of a chain, head office decides."),),
        ),
        DemoProspect("Pound Plus", "25 High Street, Thornton Heath CR7 8LE", "home-and-garden"),
        DemoProspect(
            "Tasty Jollof Kitchen",
            "34 High Street, Thornton Heath CR7 8LE",
            "food-and-drink",
            "visited",
            "Visit with the council's food-safety leaflet they asked about",
            0,
            ((5, "Keen. Wants to show the lunch menu; no photos yet."),),
        ),
        DemoProspect("Heath Mobile Repairs", "43 High Street, Thornton Heath CR7 8LE", "services"),
        DemoProspect("Gospel Books & Music", "52 High Street, Thornton Heath CR7 8LF", "leisure"),
        DemoProspect(
            "Whitehorse Launderette", "61 High Street, Thornton Heath CR7 8LF", "services"
        ),
        DemoProspect(
            "Kwik Print & Copy",
            "72 High Street, Thornton Heath CR7 8LF",
            "services",
            "visited",
            "",
            None,
            ((15, "Might print the hub posters for other shops. Owner to call back."),),
        ),
        DemoProspect("Heath Bridal & Fashion", "84 High Street, Thornton Heath CR7 8LT", "fashion"),
        DemoProspect(
            "Thornton Heath Pharmacy Express",
            "96 High Street, Thornton Heath CR7 8LT",
            "health-and-beauty",
        ),
        DemoProspect(
            "The Parchmore Arms",
            "2 Parchmore Road, Thornton Heath CR7 8LX",
            "leisure",
            "visited",
            "Help the landlord post the quiz night as an event",
            4,
            ((9, "Landlord likes the idea of posting quiz nights."),),
        ),
        DemoProspect(
            "Parchmore Food & Wine", "10 Parchmore Road, Thornton Heath CR7 8LX", "groceries"
        ),
        DemoProspect(
            "Heath Kids Barbers", "18 Parchmore Road, Thornton Heath CR7 8LY", "health-and-beauty"
        ),
    ],
}


def check(prospects: dict[str, list[DemoProspect]]) -> list[str]:
    """Everything inconsistent in the data, as sentences (empty when fine)."""
    problems = []
    for hub, shops in prospects.items():
        if not 15 <= len(shops) <= 25:
            problems.append(f"{hub}: {len(shops)} shops, want 15-25")
        names = [shop.name for shop in shops]
        if len(set(names)) != len(names):
            problems.append(f"{hub}: duplicate names")
        for shop in shops:
            if shop.category not in CATEGORIES:
                problems.append(f"{hub}: {shop.name} has category {shop.category!r}")
            if shop.status not in STORED_STATUSES:
                problems.append(f"{hub}: {shop.name} has status {shop.status!r}")
            if shop.status == "not_contacted" and shop.visits:
                problems.append(f"{hub}: {shop.name} is not contacted but has visits")
            if any(days < 0 for days, _ in shop.visits):
                problems.append(f"{hub}: {shop.name} has a visit in the future")
    return problems
