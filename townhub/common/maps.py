"""GeoJSON for the map component (templates/components/map.html)."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import WKBElement

from townhub.common import geo
from townhub.roadworks.models import Roadwork


def feature(element: WKBElement, kind: str, label: str, url: str | None = None) -> dict[str, Any]:
    """One feature; `kind` picks its style: business, roadwork, diversion, event, offer, hub."""
    properties: dict[str, Any] = {"kind": kind, "label": label}
    if url:
        properties["url"] = url
    return {"type": "Feature", "geometry": geo.geojson(element), "properties": properties}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def roadwork_feature(roadwork: Roadwork) -> dict[str, Any]:
    """Roadworks on a map, labelled as the text beside the map names them."""
    return feature(roadwork.geometry, "roadwork", f"{roadwork.street}: {roadwork.description}")
