from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

from townhub.common.forms import PositionFields, QueryForm


class NearestHubForm(PositionFields, QueryForm):
    """The position the browser gave when the resident tapped "Find my nearest hub"."""

    def validate_latitude(self, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(
                _l("Your phone did not share your position. Choose your high street from the list.")
            )
        super().validate_latitude(field)
