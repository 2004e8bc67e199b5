from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.common.lookups import council_only, hub_or_404, managed_hub, resident_hub
from townhub.common.security import require_same_origin
from townhub.extensions import csrf, limiter
from townhub.hubs.models import Hub
from townhub.moderation import service
from townhub.moderation.forms import ApproveForm, HideForm, ReportForm

bp = Blueprint("moderation", __name__)

KINDS = "<any(business,offer,event):kind>"


def _hub(hub_slug: str) -> Hub:
    return managed_hub(hub_slug, _("Only this hub's managers can moderate it."))


def _item(hub: Hub, kind: str, item_id: int) -> service.Item:
    try:
        return service.item_for(current_user, hub, kind, item_id)
    except service.ItemNotFound:
        abort(404, description=_("This hub has nothing at this address."))
    except service.NotAllowed:
        abort(403, description=_("Only this hub's managers can moderate it."))


def _sent(form: ApproveForm) -> ApproveForm:
    """The form of a button in the queue, or 400 if its token has run out."""
    if not form.validate_on_submit():
        abort(400, description=_("The form was out of date. Go back and try again."))
    return form


def _back(hub: Hub) -> BaseResponse:
    return redirect(url_for("moderation.queue", hub_slug=hub.slug), code=303)


@bp.get("/manage/hubs/<hub_slug>/moderation")
@login_required
def queue(hub_slug: str) -> str:
    hub = _hub(hub_slug)
    return render_template(
        "moderation/queue.html", managed=hub, queue=service.queue(hub), form=ApproveForm()
    )


@bp.post(f"/manage/hubs/<hub_slug>/moderation/{KINDS}/<int:item_id>/approve")
@login_required
def approve(hub_slug: str, kind: str, item_id: int) -> BaseResponse:
    hub = _hub(hub_slug)
    item = _item(hub, kind, item_id)
    form = _sent(ApproveForm())
    try:
        service.approve(current_user, item, trust=bool(form.trust.data))
    except service.BusinessNotApproved:
        flash(_("Approve the business first: its offers and events cannot go live before it does."))
    else:
        flash(_("“%(title)s” is approved and residents can see it.", title=service.title_of(item)))
    return _back(hub)


@bp.route(f"/manage/hubs/<hub_slug>/moderation/{KINDS}/<int:item_id>/hide", methods=["GET", "POST"])
@login_required
def hide(hub_slug: str, kind: str, item_id: int) -> BaseResponse | str:
    hub = _hub(hub_slug)
    item = _item(hub, kind, item_id)
    form = HideForm()
    if form.validate_on_submit():
        service.hide(current_user, item, form.reason.data.strip())
        flash(
            _("“%(title)s” is hidden. The business sees your reason.", title=service.title_of(item))
        )
        return _back(hub)
    return render_template(
        "moderation/hide.html",
        managed=hub,
        item=item,
        title=service.title_of(item),
        form=form,
        form_has_errors=bool(form.errors),
    )


@bp.post(f"/manage/hubs/<hub_slug>/moderation/{KINDS}/<int:item_id>/show")
@login_required
def show_again(hub_slug: str, kind: str, item_id: int) -> BaseResponse:
    hub = _hub(hub_slug)
    item = _item(hub, kind, item_id)
    _sent(ApproveForm())
    service.show_again(current_user, item)
    flash(_("“%(title)s” shows to residents again.", title=service.title_of(item)))
    return _back(hub)


@bp.post("/manage/hubs/<hub_slug>/reports/<int:report_id>/dismiss")
@login_required
def dismiss(hub_slug: str, report_id: int) -> BaseResponse:
    hub = _hub(hub_slug)
    _sent(ApproveForm())
    try:
        service.dismiss(current_user, hub, report_id)
    except service.ItemNotFound:
        abort(404, description=_("There is no open report at this address."))
    flash(_("The report is closed. Nothing was changed."))
    return _back(hub)


@bp.get("/manage/audit")
@login_required
def audit() -> str:
    council_only(_("Only the council can read the audit log."))
    hub_slug = request.args.get("hub", "")
    hub = hub_or_404(hub_slug) if hub_slug else None
    before = request.args.get("before", "")
    if before and not before.isdigit():
        abort(400, description=_("Choose a page from the links."))
    entries = service.audit_log(
        hub_id=hub.id if hub else None, before_id=int(before) if before else None
    )
    return render_template(
        "moderation/audit.html", entries=entries, managed=hub, page_size=service.AUDIT_PAGE
    )


def _too_many_reports() -> str:
    return str(_("You have sent several reports in a short time. Try again in an hour."))


@bp.route(f"/<hub_slug>/report/{KINDS}/<int:item_id>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("5 per hour", methods=["POST"], error_message=cast(str, _too_many_reports))
def report(hub_slug: str, kind: str, item_id: int) -> BaseResponse | str:
    """A resident reports a business, offer or event to the high street team."""
    hub = resident_hub(hub_slug)
    try:
        item = service.reportable(hub, kind, item_id)
    except service.ItemNotFound:
        abort(404, description=_("This hub has nothing at this address."))
    form = ReportForm()
    if request.method == "POST":
        require_same_origin()
    if form.validate_on_submit():
        service.report(hub, item, form.reason.data, (form.details.data or "").strip())
        return redirect(url_for("moderation.reported", hub_slug=hub.slug), code=303)
    return render_template(
        "moderation/report.html",
        hub=hub,
        item=item,
        title=service.title_of(item),
        form=form,
        form_has_errors=bool(form.errors),
    )


@bp.get("/<hub_slug>/report/thanks")
def reported(hub_slug: str) -> str:
    return render_template("moderation/reported.html", hub=resident_hub(hub_slug))


bp.add_app_template_filter(service.title_of, "item_title")
