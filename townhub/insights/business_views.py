"""A business owner's insights: their own offers and events, and footfall near the shop."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("business_insights", __name__, url_prefix="/manage")
