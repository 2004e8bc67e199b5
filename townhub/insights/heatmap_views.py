"""Heat maps of footfall around a hub, with the same figures as a table."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("heatmaps", __name__, url_prefix="/manage")
