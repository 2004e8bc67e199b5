from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.common.htmx import render
from townhub.common.lookups import managed_hub, resident_hub
from townhub.notices import service
from townhub.notices.forms import NoticeForm

bp = Blueprint("notices", __name__)


@bp.route("/manage/hubs/<hub_slug>/notices/new", methods=["GET", "POST"])
@login_required
def new(hub_slug: str) -> BaseResponse | str:
    hub = managed_hub(hub_slug, _("Only this hub's managers can post its notices."))
    form = NoticeForm()
    if form.validate_on_submit():
        notice = service.publish_notice(
            current_user,
            hub,
            title=form.title.data.strip(),
            body=form.body.data.strip(),
            first_day=form.first_day.data,
            last_day=form.last_day.data,
        )
        flash(_("Your notice “%(title)s” is published.", title=notice.title))
        return redirect(url_for("notices.show", hub_slug=hub.slug, notice_id=notice.id), 303)
    return render_template(
        "notices/form.html", managed=hub, form=form, form_has_errors=bool(form.errors)
    )


@bp.get("/<hub_slug>/notices/<int:notice_id>")
def show(hub_slug: str, notice_id: int) -> Response:
    hub = resident_hub(hub_slug)
    try:
        notice = service.notice_for_resident(hub, notice_id)
    except service.NoticeNotFound:
        abort(404, description=_("This hub has no notice at this address."))
    return render("notices/show.html", hub=hub, notice=notice)
