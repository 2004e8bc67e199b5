"""What residents and the high street team read for each question and answer."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

QUESTION_LABELS: dict[str, Any] = {
    "age_band": _l("Age"),
    "postcode_district": _l("Postcode district"),
    "travel_mode": _l("How they travelled to the high street"),
}

AGE_BAND_LABELS: dict[str, Any] = {
    "16-24": _l("16 to 24"),
    "25-34": _l("25 to 34"),
    "35-44": _l("35 to 44"),
    "45-54": _l("45 to 54"),
    "55-64": _l("55 to 64"),
    "65-74": _l("65 to 74"),
    "75+": _l("75 or over"),
}

TRAVEL_MODE_LABELS: dict[str, Any] = {
    "walk": _l("Walked"),
    "cycle": _l("Cycled"),
    "bus": _l("Bus"),
    "train_tram": _l("Train or tram"),
    "car_van": _l("Car or van"),
    "taxi": _l("Taxi"),
    "wheelchair_scooter": _l("Wheelchair or mobility scooter"),
    "other": _l("Another way"),
}


def answer_label(question: str, answer: str | None) -> Any:
    """The words for an answer; None is every answer together."""
    if answer is None:
        return _l("All answers")
    if question == "age_band":
        return AGE_BAND_LABELS.get(answer, answer)
    if question == "travel_mode":
        return TRAVEL_MODE_LABELS.get(answer, answer)
    if answer == "other":
        return _l("Other districts")
    return answer
