"""Demo answers: six ended months of residents' answers for each demo hub, enough that
some figures show and some small ones are hidden."""

from __future__ import annotations

import random
from datetime import date, timedelta

from townhub.demographics import service
from townhub.hubs.models import Hub

# Districts around each demo high street; any other hub gets the first list.
_DISTRICTS = {
    "south-norwood": ["SE25", "SE25", "SE25", "SE19", "SE20", "CR7", "BR3"],
    "purley": ["CR8", "CR8", "CR8", "CR2", "CR5", "CR0", "CR3"],
    "thornton-heath": ["CR7", "CR7", "CR7", "SW16", "CR0", "SE25", "CR4"],
}
_AGE_WEIGHTS = [8, 16, 18, 17, 15, 14, 9]
_TRAVEL_WEIGHTS = [40, 5, 25, 8, 15, 2, 3, 2]


def seed_answers(hubs: list[Hub], today: date) -> None:
    """Replace the hubs' tallies with six ended months of made-up answers. Commits."""
    for hub in hubs:
        rng = random.Random(f"demographics-{hub.slug}")  # noqa: S311 - made-up demo figures
        districts = _DISTRICTS.get(hub.slug, _DISTRICTS["south-norwood"])
        tallies: dict[tuple[date, str, str], int] = {}
        month = service.month_of(today)
        for _ in range(6):
            month = service.month_of(month - timedelta(days=1))
            for _ in range(rng.randint(30, 90)):
                answers = [
                    ("age_band", rng.choices(service.AGE_BANDS, _AGE_WEIGHTS)[0]),
                    ("postcode_district", rng.choice(districts)),
                    ("travel_mode", rng.choices(service.TRAVEL_MODES, _TRAVEL_WEIGHTS)[0]),
                ]
                for question, answer in answers:
                    if rng.random() < 0.85:  # some leave a question
                        key = (month, question, answer)
                        tallies[key] = tallies.get(key, 0) + 1
        service.replace_tallies(hub, tallies)
