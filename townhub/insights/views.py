"""The hub dashboard and the council's view of every hub: footfall against its usual
level, unusual days, period comparisons and progress against the hub's targets."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insights", __name__, url_prefix="/manage")
