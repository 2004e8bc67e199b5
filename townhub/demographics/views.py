"""Residents' optional answers about themselves, and the suppressed tables made from them."""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.common.lookups import council_only, managed_hub, resident_hub
from townhub.common.security import require_same_origin
from townhub.demographics import reports, service
from townhub.demographics.forms import AboutYouForm
from townhub.extensions import csrf, limiter
from townhub.hubs.models import Hub

bp = Blueprint("demographics", __name__)

# Hubs whose questions this browser has answered: their ids, dot-separated. Nothing else.
ANSWERED_COOKIE = "answered_about_you"
COOKIE_AGE = 5 * 365 * 24 * 3600


def _answered_hubs() -> set[int]:
    text = request.cookies.get(ANSWERED_COOKIE, "")
    return {int(part) for part in text.split(".") if part.isdigit() and len(part) < 10}


def _too_many() -> str:
    return str(_("Many answers have come from your connection in a short time. Try again later."))


@bp.route("/<hub_slug>/about-you", methods=["GET", "POST"])
@csrf.exempt  # residents have no session; cross-site posts are refused by their origin
@limiter.limit("30 per hour", methods=["POST"], error_message=cast(str, _too_many))
def about_you(hub_slug: str) -> BaseResponse | tuple[str, int]:
    """Three optional questions, answered once per hub on a phone; kept only as counts."""
    hub = resident_hub(hub_slug)
    answered = _answered_hubs()
    form = AboutYouForm()
    if request.method == "POST":
        require_same_origin()
        if hub.id in answered:  # once: a second answer is not counted
            return redirect(url_for(".about_you", hub_slug=hub.slug), 303)
    if form.validate_on_submit():
        service.record(hub, form.answers())
        response = redirect(url_for(".about_you", hub_slug=hub.slug), 303)
        response.set_cookie(
            ANSWERED_COOKIE,
            ".".join(str(i) for i in sorted(answered | {hub.id})),
            max_age=COOKIE_AGE,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
        return response
    if hub.id in answered:
        return render_template("demographics/answered.html", hub=hub), 200
    return render_template(
        "demographics/about_you.html",
        hub=hub,
        form=form,
        form_has_errors=bool(form.errors),
        k=service.min_count(),
    ), (400 if form.errors else 200)


# ---- for the high street team and the council ----


def _hub(hub_slug: str) -> Hub:
    return managed_hub(
        hub_slug,
        _(
            "Only this hub's managers and the council can see what its residents said about"
            " themselves."
        ),
    )


def _council_only() -> None:
    council_only(
        _(
            "Only the council can see every hub's residents side by side. Hub managers"
            " find their own hub's under Manage."
        )
    )


def _month() -> date | None:
    """The month asked for (?month=YYYY-MM), if any: 400 if unreadable, 404 if unpublished."""
    text = request.args.get("month", "")
    if not text:
        return None
    try:
        month = reports.parse_month(text)
        service.check_month(month)
    except ValueError:
        abort(400, description=_("Give the month as year and month, like 2026-03."))
    except service.MonthNotPublished:
        abort(404, description=_("Nothing is published for that month."))
    return month


@bp.get("/manage/hubs/<hub_slug>/residents")
@login_required
def hub_residents(hub_slug: str) -> str:
    """The hub's residents by age, district and travel, month by month, small numbers hidden."""
    hub = _hub(hub_slug)
    month = _month()
    return render_template(
        "demographics/hub.html",
        managed=hub,
        month=month,
        reports=reports.hub_report(hub, month),
        k=service.min_count(),
    )


@bp.get("/manage/hubs/<hub_slug>/residents.csv")
@login_required
def hub_residents_csv(hub_slug: str) -> Response:
    hub = _hub(hub_slug)
    return _csv(reports.cells([hub.id], _month()), f"residents-{hub.slug}")


@bp.get("/manage/hubs/<hub_slug>/residents.json")
@login_required
def hub_residents_json(hub_slug: str) -> Response:
    hub = _hub(hub_slug)
    return _json(reports.cells([hub.id], _month()))


@bp.get("/manage/residents")
@login_required
def council_residents() -> str:
    """Every hub side by side for one month (the latest by default)."""
    _council_only()
    months = service.published_months()
    month = _month() or (months[-1] if months else None)
    return render_template(
        "demographics/council.html",
        month=month,
        months=months,
        reports=reports.council_report(month) if month else [],
        k=service.min_count(),
    )


@bp.get("/manage/residents.csv")
@login_required
def council_residents_csv() -> Response:
    _council_only()
    return _csv(reports.cells(None, _month()), "residents-all-hubs")


@bp.get("/manage/residents.json")
@login_required
def council_residents_json() -> Response:
    _council_only()
    return _json(reports.cells(None, _month()))


def _csv(found: list[service.PublishedCell], name: str) -> Response:
    response = Response(reports.as_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _json(found: list[service.PublishedCell]) -> Response:
    response = jsonify(reports.as_json(found))
    response.headers["Cache-Control"] = "private, no-store"
    return response
