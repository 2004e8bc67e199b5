"""The OpenAPI document: valid OpenAPI 3.1, describing every /api/v1 route and nothing
else, and every operation answers as it says (a Schemathesis run against the app, with
both fitting and unfitting requests: the documented statuses, content types and schemas,
never a 5xx)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.factories import (
    make_business,
    make_event,
    make_hub,
    make_offer,
    make_roadwork,
    make_sensor,
)
from townhub.api.openapi import document
from townhub.common import geo
from townhub.common.days import london_today
from townhub.common.models import utcnow
from townhub.footfall.rollups import rebuild
from townhub.footfall.service import record_count

API = "/api/v1"


def _town() -> None:
    """A hub with something in every dataset, so answers are not just empty lists."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    business = make_business(hub=hub, photo="abc123", photo_alt="The shop front")
    make_business(hub=hub, opening_hours={})
    make_offer(business=business)
    make_event(hub=hub, business_id=business.id, location=geo.point(-0.0752, 51.3975))
    make_event(hub=hub)
    make_roadwork(hub=hub)
    make_roadwork(
        hub=hub, geometry=geo.polygon([(-0.076, 51.397), (-0.075, 51.397), (-0.075, 51.398)])
    )
    sensor = make_sensor(hub=hub, name="Clock tower")
    sensor.last_seen_at = utcnow()
    make_sensor(hub=hub, name="Station")
    for n in range(6):
        when = utcnow() - timedelta(days=1, minutes=20 * n)
        record_count(sensor, when, 15, 10 + n, f"openapi:{n}")
    rebuild([sensor.id])


def _flask_paths(app: Flask) -> set[str]:
    return {
        re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule).removeprefix(API)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
    }


def test_every_api_route_is_in_the_document_and_nothing_else(app: Flask) -> None:
    documented = set(document()["paths"])

    assert documented == _flask_paths(app)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            assert rule.methods is not None and rule.methods - {"HEAD", "OPTIONS"} == {"GET"}


def test_the_document_is_valid_openapi_3_1(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    served = response.get_json()
    assert served["openapi"] == "3.1.0"
    assert served["info"]["license"]["url"].startswith("https://www.nationalarchives.gov.uk/")
    schema = schemathesis.openapi.from_dict(served)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    assert len(list(schema.get_all_operations())) == len(served["paths"])


def test_a_broken_document_would_be_caught(app: Flask) -> None:
    """The validation above can fail: a parameter in a place OpenAPI 3.1 has not got."""
    broken = document()
    broken["paths"]["/hubs/{hub}/offers"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def _schema_of(name: str) -> dict[str, Any]:
    return {**document(), "$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/hubs", "HubCollection"),
        ("/hubs/south-norwood/businesses", "BusinessCollection"),
        ("/hubs/south-norwood/offers", "OfferCollection"),
        ("/hubs/south-norwood/events", "EventCollection"),
        ("/hubs/south-norwood/roadworks", "RoadworkCollection"),
        ("/sensors", "SensorCollection"),
        ("/hubs/south-norwood/footfall?from=2024-01-01&to=2029-01-01&interval=day", "Footfall"),
        ("/hubs/south-norwood/footfall?from=2020-01-01&to=2021-01-02&interval=hour", "Problem"),
        ("/hubs/nowhere/offers", "Problem"),
    ],
)
def test_answers_fit_their_schemas(client: FlaskClient, path: str, schema: str) -> None:
    _town()

    body = client.get(API + path).get_json(force=True)

    jsonschema_rs.validate(_schema_of(schema), body)
    if schema != "Problem":
        assert body.get("features", body.get("buckets")), "an empty answer proves little"


# The Schemathesis run ------------------------------------------------------------------------
# Driven with Hypothesis directly: Schemathesis's own pytest fixture loader does not work with
# pytest 9.2 (it reads a private attribute that is gone).

# The week up to tomorrow, London time: it holds the counts _town() makes.
WEEK = {
    "from": (london_today() - timedelta(days=7)).isoformat(),
    "to": (london_today() + timedelta(days=1)).isoformat(),
}
VARIANTS = {
    # Everything generated: mostly unknown hubs and unreadable dates.
    "generated": {},
    # A hub that exists, so the answers have data.
    "known hub": {"path_parameters": {"hub": "south-norwood"}},
    # And a usable period, so footfall answers too.
    "known hub and period": {"path_parameters": {"hub": "south-norwood"}, "query": WEEK},
}


def _parameter_names(path: str) -> set[str]:
    parameters = document()["paths"][path]["get"].get("parameters", [])
    return {parameter["name"] for parameter in parameters}


def _runs() -> list[Any]:
    """Each operation, in each variant it has parameters for, with requests that fit the
    document and (where something is left to get wrong) requests that do not."""
    runs = []
    for path in document()["paths"]:
        names = _parameter_names(path)
        for variant, fixed in VARIANTS.items():
            fixed_names = {name for values in fixed.values() for name in values}
            if not fixed_names <= names:
                continue
            modes = [GenerationMode.POSITIVE]
            if names - fixed_names:
                modes.append(GenerationMode.NEGATIVE)
            runs += [
                pytest.param(path, variant, mode, id=f"{path}-{variant}-{mode}") for mode in modes
            ]
    return runs


@pytest.mark.parametrize(("path", "variant", "mode"), _runs())
def test_every_operation_answers_as_documented(
    app: Flask, monkeypatch: pytest.MonkeyPatch, path: str, variant: str, mode: GenerationMode
) -> None:
    """Requests that fit the document and requests that do not (negative): every answer has
    a documented status, content type and schema, never a 5xx, and unfitting requests are
    refused with a 4xx. The rate limit is lifted so that it does not answer the run."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    _town()
    operation = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode, **VARIANTS[variant]))
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def answers_as_documented(case: Any) -> None:
        # Whether a period is too long for its interval, or a sensor is the hub's, is beyond
        # what a schema can say: such requests fit it and still get a 400 (or 404) problem.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    answers_as_documented()
