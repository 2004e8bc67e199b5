from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SearchField
from wtforms.validators import Length

from townhub.common.forms import QueryForm, category_field, page_field


class BusinessSearchForm(QueryForm):
    """What a resident looks for on the businesses page (read from the query string)."""

    q = SearchField(
        _l("Search by name or what they sell"),
        validators=[Length(max=100, message=_l("Search for 100 characters or fewer"))],
    )
    category = category_field()
    open_now = BooleanField(_l("Open now"))
    page = page_field()
