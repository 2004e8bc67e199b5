"""Responses that are files: the PDFs that posters and sensor stickers are printed from, and
the cells of CSV files."""

from __future__ import annotations

import re

from flask import Response


def pdf_response(body: bytes, name: str) -> Response:
    """A PDF shown in the browser (to print), saved as `name`.pdf; never cached by others."""
    response = Response(body, mimetype="application/pdf")
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    response.headers["Content-Disposition"] = f'inline; filename="{safe_name}.pdf"'
    response.headers["Cache-Control"] = "private"
    return response


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """Text someone typed, made safe for a CSV cell: a leading ' keeps a spreadsheet from
    running `=HYPERLINK(...)` or `+cmd|...` as a formula when the file is opened."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
