"""A business owner's insights: their own offers and events, and footfall near the shop."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user, login_required
from wtforms import DateField
from wtforms.validators import Optional

from townhub.businesses import profile
from townhub.businesses.models import Business
from townhub.common.days import london_today
from townhub.common.forms import QueryForm
from townhub.common.htmx import render
from townhub.common.models import utcnow
from townhub.insights import business as service
from townhub.insights.service import EARLIEST

bp = Blueprint("business_insights", __name__, url_prefix="/manage")


_PAST = {
    "first": _l("The first day must be today or in the past"),
    "last": _l("The last day must be today or in the past"),
}
_EARLIEST = {
    "first": _l("The first day must be in 2000 or later"),
    "last": _l("The last day must be in 2000 or later"),
}


class PeriodForm(QueryForm):
    """The days to show, from the query string: ?from=2026-01-01&to=2026-01-28."""

    # The page's order, for the error summary.
    page_order = ("from_", "to")

    from_ = DateField(
        _l("From"),
        name="from",
        validators=[Optional()],
        invalid_value_message=_l("Enter the first day as year-month-day, like 2026-01-01"),
    )
    to = DateField(
        _l("To"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the last day as year-month-day, like 2026-01-28"),
    )

    def _ends(self) -> tuple[date, date]:
        """The first and last day asked for; a missing end is filled in (the last 28
        days, or from the first day up to today). A last day too near the start of the
        calendar for 28 days before it gets year 1's first day, for the checks to refuse."""
        default = service.default_period(london_today())
        first, last = self.from_.data, self.to.data
        if first is None and last is None:
            return default.first, default.last
        last = last or (london_today() if first else default.last)
        if first is None:
            span = default.last - default.first
            first = last - span if last - date.min >= span else date.min
        return first, last

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        today = london_today()
        # Each day typed is checked on its own first, and told at its field; only then
        # is a missing end worked out from it.
        for typed, name in ((self.from_, "first"), (self.to, "last")):
            if typed.data is None:
                continue
            if typed.data > today:
                typed.errors.append(_PAST[name])
            elif typed.data < EARLIEST:
                typed.errors.append(_EARLIEST[name])
        if self.from_.errors or self.to.errors:
            return False
        first, last = self._ends()
        # Each problem is told at the field the person typed.
        first_field = self.from_ if self.from_.data else self.to
        last_field = self.to if self.to.data else self.from_
        if last < first:
            last_field.errors.append(_l("The last day must be the same as or after the first day"))
        elif first < EARLIEST:
            first_field.errors.append(_EARLIEST["first"])
        elif (last - first).days + 1 > service.LONGEST_DAYS:
            last_field.errors.append(
                lazy_ngettext(
                    "Choose a period of %(num)d day or fewer",
                    "Choose a period of %(num)d days or fewer",
                    service.LONGEST_DAYS,
                )
            )
        else:
            return True
        return False

    def period(self) -> service.Period:
        """The chosen days. Call after validate(); raises PeriodRefused if it was skipped."""
        return service.check_period(*self._ends(), london_today())


def _business(business_id: int) -> Business:
    """The business if the signed-in user may run it: the same rule as its profile pages."""
    try:
        return profile.business_for(current_user, business_id)
    except profile.BusinessNotFound:
        abort(404, description=_("There is no business at this address."))
    except profile.NotAllowed:
        abort(
            403, description=_("Only the business’s owners and its high street team can see this.")
        )


@bp.get("/businesses/<int:business_id>/insights")
@login_required
def business_insights(business_id: int) -> Response:
    business = _business(business_id)
    form = PeriodForm(request.args)
    valid = form.validate()
    period = form.period() if valid else service.default_period(london_today())
    report = service.insights(business, period, utcnow())
    return render(
        "insights/business.html",
        status=200 if valid else 400,
        business=business,
        form=form,
        form_has_errors=not valid,
        report=report,
        charts=service.period_charts(report),
        effect_charts={e.offer_id: service.effect_charts(e) for e in report.effects},
        nearby_m=service.NEARBY_M,
    )


@bp.get("/businesses/<int:business_id>/insights.csv")
@login_required
def business_insights_csv(business_id: int) -> Response:
    """The same day-by-day figures as the page, to open in a spreadsheet."""
    business = _business(business_id)
    form = PeriodForm(request.args)
    if not form.validate():
        abort(400, description=next(iter(form.errors.values()))[0])
    report = service.insights(business, form.period(), utcnow())
    period = report.period
    response = Response(service.daily_csv(report), mimetype="text/csv")
    name = f"{business.slug}-{period.first}-to-{period.last}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private"
    return response
