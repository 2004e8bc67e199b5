"""Residents' optional answers about themselves, and the suppressed tables made from them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("demographics", __name__)
