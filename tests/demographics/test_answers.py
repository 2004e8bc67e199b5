"""A resident's three optional questions: each answer is one more in its own monthly
tally, nothing is kept on an error, and a phone answers once."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_hub
from townhub import create_app
from townhub.common.days import london_today
from townhub.config import ConfigurationError
from townhub.demographics import service
from townhub.demographics.models import DemographicTally
from townhub.extensions import db
from townhub.hubs.models import Hub

FORM = "/south-norwood/about-you"


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


def _tallies() -> list[tuple[int, date, str, str, int]]:
    return [
        (t.hub_id, t.month, t.question, t.answer, t.count)
        for t in db.session.scalars(select(DemographicTally).order_by(DemographicTally.question))
    ]


def test_the_form_says_what_is_kept_and_that_every_question_is_optional(
    client: FlaskClient, hub: Hub
) -> None:
    page = client.get(FORM)
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Every question is optional" in text
    assert "three separate counts for this month" in text
    assert "fewer than 10 people" in text
    assert "If you are under 16, please do not answer." in text
    assert 'value="16-24"' in text and 'value="wheelchair_scooter"' in text
    assert "csrf_token" not in text  # residents need no session


def test_answers_are_kept_as_three_separate_monthly_tallies(client: FlaskClient, hub: Hub) -> None:
    answers = {"age_band": "25-34", "postcode_district": " se25 ", "travel_mode": "bus"}

    posted = client.post(FORM, data=answers)

    assert posted.status_code == 303 and posted.location.endswith(FORM)
    month = london_today().replace(day=1)
    assert _tallies() == [
        (hub.id, month, "age_band", "25-34", 1),
        (hub.id, month, "postcode_district", "SE25", 1),
        (hub.id, month, "travel_mode", "bus", 1),
    ]
    cookie = posted.headers["Set-Cookie"]
    assert cookie.startswith(f"answered_about_you={hub.id};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    thanks = client.get(FORM).get_data(as_text=True)
    assert "Thank you for answering" in thanks and 'name="age_band"' not in thanks

    # A second resident with the same answers adds one to each tally, on its own.
    other = client.application.test_client()
    other.post(FORM, data={"age_band": "25-34", "travel_mode": "walk"})
    assert (hub.id, month, "age_band", "25-34", 2) in _tallies()
    assert (hub.id, month, "travel_mode", "walk", 1) in _tallies()


def test_a_phone_that_has_answered_is_not_counted_again(client: FlaskClient, hub: Hub) -> None:
    client.post(FORM, data={"age_band": "25-34"})

    again = client.post(FORM, data={"age_band": "75+", "travel_mode": "taxi"})

    assert again.status_code == 303
    assert [(q, a, n) for _, _, q, a, n in _tallies()] == [("age_band", "25-34", 1)]


def test_answering_nothing_or_preferring_not_to_say_keeps_nothing(
    client: FlaskClient, hub: Hub
) -> None:
    posted = client.post(
        FORM,
        data={"age_band": "prefer_not_to_say", "postcode_district": "", "travel_mode": ""},
    )

    assert posted.status_code == 303
    assert _tallies() == []
    assert "Thank you for answering" in client.get(FORM).get_data(as_text=True)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"postcode_district": "SE25 4AB"}, "Enter only the first part of your postcode"),
        ({"postcode_district": "25SE"}, "Enter only the first part of your postcode"),
        ({"postcode_district": "X" * 30}, "Enter only the first part of your postcode"),
        ({"age_band": "12-15"}, "Choose your age from the list"),
        ({"travel_mode": "rocket"}, "Choose how you travelled from the list"),
    ],
)
def test_a_wrong_answer_is_shown_at_its_field_and_nothing_is_kept(
    client: FlaskClient, hub: Hub, answers: dict[str, str], message: str
) -> None:
    page = client.post(FORM, data={"age_band": "35-44", "travel_mode": "walk", **answers})
    text = page.get_data(as_text=True)

    assert page.status_code == 400
    assert "<title>Error:" in text and 'class="error-summary"' in text
    assert text.count(message) == 2  # in the summary and at the field
    kept = "age_band-2" if "age_band" not in answers else "travel_mode-0"
    assert f'<input checked class="radio__input" id="{kept}"' in text
    assert _tallies() == []
    assert "Set-Cookie" not in page.headers


@pytest.mark.parametrize("district", ["CR0", "cr7", "SE25", "EC1A", "W1A", "M1"])
def test_postcode_districts_in_every_uk_shape_are_accepted(district: str) -> None:
    assert service.postcode_district(district) == district.upper()


def test_a_cross_site_post_is_refused_and_keeps_nothing(client: FlaskClient, hub: Hub) -> None:
    refused = client.post(
        FORM, data={"age_band": "25-34"}, headers={"Origin": "https://elsewhere.example"}
    )

    assert refused.status_code == 403
    assert _tallies() == []


def test_many_answers_from_one_connection_are_limited(app: Flask, hub: Hub) -> None:
    for _ in range(30):
        assert app.test_client().post(FORM, data={"travel_mode": "bus"}).status_code == 303

    limited = app.test_client().post(FORM, data={"travel_mode": "bus"})

    assert limited.status_code == 429
    assert [(q, a, n) for _, _, q, a, n in _tallies()] == [("travel_mode", "bus", 30)]


def test_the_hub_home_page_links_to_the_questions(client: FlaskClient, hub: Hub) -> None:
    assert 'href="/south-norwood/about-you"' in client.get("/south-norwood/").get_data(as_text=True)


def test_an_unknown_hub_has_no_questions(client: FlaskClient) -> None:
    assert client.get("/nowhere/about-you").status_code == 404


def test_a_k_under_2_is_refused_at_start_up(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DEMOGRAPHICS_MIN_COUNT", "1")

    with pytest.raises(ConfigurationError, match="DEMOGRAPHICS_MIN_COUNT must be 2 or more"):
        create_app("development")

    monkeypatch.setenv("DEMOGRAPHICS_MIN_COUNT", "ten")
    with pytest.raises(ConfigurationError, match="DEMOGRAPHICS_MIN_COUNT must be a int"):
        create_app("development")


def test_the_demo_answers_replace_a_hubs_tallies(hub: Hub) -> None:
    from townhub.demographics.demo import seed_answers

    today = london_today()
    service.record(hub, service.Answers(age_band="75+"), today=today)
    seed_answers([hub], today)
    first = _tallies()
    seed_answers([hub], today)

    assert _tallies() == first  # the same again, not twice as many
    months = {month for _, month, _, _, _ in first}
    assert len(months) == 6 and today.replace(day=1) not in months
    assert service.published_months()[-6:] == sorted(months)
    assert any(not c.hidden for c in service.published_table("age_band", hub_ids=[hub.id]))
