from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from townhub.common.forms import one_of
from townhub.moderation.models import REPORT_REASONS


class ApproveForm(FlaskForm):  # type: ignore[misc]
    trust = BooleanField(_l("Trust this business: its next offers and events go live at once"))


class HideForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(
        _l("Why are you hiding it?"),
        validators=[
            DataRequired(_l("Say why you are hiding it: the business will see your reason")),
            Length(max=500, message=_l("The reason must be 500 characters or fewer")),
        ],
    )


class ReportForm(FlaskForm):  # type: ignore[misc]
    """A resident's report. No CSRF token, so no session cookie for residents: the view
    refuses cross-site posts by their Origin instead."""

    class Meta:
        csrf = False

    reason = RadioField(
        _l("What is the problem?"),
        choices=[
            SelectChoice("wrong", _l("It is wrong or out of date")),
            SelectChoice("offensive", _l("It is offensive")),
            SelectChoice("scam", _l("It is a scam or misleading")),
            SelectChoice("other", _l("Something else")),
        ],
        validate_choice=False,
        validators=[one_of(REPORT_REASONS, _l("Choose what the problem is"))],
    )
    details = TextAreaField(
        _l("Tell us more (optional)"),
        validators=[Length(max=500, message=_l("Keep it to 500 characters or fewer"))],
    )
