"""Finding what a URL names, or answering 404."""

from __future__ import annotations

from flask import abort

from townhub.hubs import service
from townhub.hubs.models import Hub


def hub_or_404(slug: str) -> Hub:
    try:
        return service.get_hub(slug)
    except service.HubNotFound:
        abort(404, description="There is no hub at this address.")
