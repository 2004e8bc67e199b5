"""Messages that carry a count but cannot choose their plural form by it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def unpluralised(paths: Iterable[Path], counts: set[str]) -> list[str]:
    """Messages in these files (Python or Jinja) with a placeholder named in `counts` that
    are not ngettext choosing by it alone: a plural message may carry one count, named num
    or count; any other message none."""
    wrong = []
    for path in paths:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        with path.open("rb") as source:
            for _line, message, _comments, _context in extract(
                method, source, keywords=KEYWORDS, options=options
            ):
                plural = not isinstance(message, str)
                text = message if isinstance(message, str) else " ".join(m for m in message if m)
                found = counts & set(re.findall(r"%\((\w+)\)", text))
                if found - ({"num", "count"} if plural else set()) or len(found) > 1:
                    wrong.append(text)
    return wrong
