"""The high street team's onboarding tracker: whom to visit, what happened, what next."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from townhub.common.htmx import render
from townhub.common.lookups import managed_hub
from townhub.hubs.models import Hub
from townhub.tracker import service
from townhub.tracker.forms import (
    STATUS_HINT,
    STATUS_LABELS,
    TrackedBusinessForm,
    TrackerFilterForm,
    VisitNoteForm,
)
from townhub.tracker.models import TrackedBusiness

bp = Blueprint("tracker", __name__, url_prefix="/manage")
RESULTS = {"tracker-entries": "tracker/_entries.html"}


def _text(value: str | None) -> str:
    # A field left out of the POST entirely arrives as None, not "".
    return (value or "").strip()


def _hub(hub_slug: str) -> Hub:
    return managed_hub(hub_slug, _("Only this hub's managers can see its onboarding tracker."))


def _entry(hub: Hub, entry_id: int) -> TrackedBusiness:
    try:
        return service.entry_for(hub, entry_id)
    except service.EntryNotFound:
        abort(404, description=_("This hub's tracker has no business at this address."))


@bp.get("/hubs/<hub_slug>/tracker")
@login_required
def index(hub_slug: str) -> Response:
    """Progress towards the hub's target and every business on the street, whom to visit
    next first."""
    hub = _hub(hub_slug)
    form = TrackerFilterForm(request.args)
    valid = form.validate()
    listing = service.tracker(
        hub,
        target=hub.target_businesses,
        status=(form.status.data or None) if valid else None,
    )
    return render(
        "tracker/index.html",
        RESULTS,
        status=200 if valid else 400,
        managed=hub,
        form=form,
        tracker=listing,
        labels=STATUS_LABELS,
        form_has_errors=not valid,
    )


def _entry_form(hub: Hub, entry: TrackedBusiness | None = None) -> TrackedBusinessForm:
    data = None
    if entry is not None:
        data = {
            "name": entry.name,
            "address": entry.address,
            "category": entry.category,
            "status": entry.status,
            "next_step": entry.next_step,
            "next_step_on": entry.next_step_on,
            "handled_by": str(entry.handled_by_id or ""),
        }
    form = TrackedBusinessForm(data=data)
    form.handled_by.choices = [SelectChoice("", _("Nobody yet"))] + [
        SelectChoice(str(user.id), user.name) for user in service.team_for(hub)
    ]
    form.recorded_next_step_on = entry.next_step_on if entry else None
    return form


def _details(form: TrackedBusinessForm) -> service.EntryDetails:
    return service.EntryDetails(
        name=_text(form.name.data),
        address=_text(form.address.data),
        category=form.category.data,
        status=form.status.data,
        next_step=_text(form.next_step.data),
        next_step_on=form.next_step_on.data,
        handled_by_id=form.handled_by_id(),
    )


def _entry_page(hub: Hub, form: TrackedBusinessForm, entry: TrackedBusiness | None) -> str:
    return render_template(
        "tracker/form.html",
        managed=hub,
        form=form,
        entry=entry,
        status_hint=STATUS_HINT,
        form_has_errors=bool(form.errors),
    )


@bp.route("/hubs/<hub_slug>/tracker/new", methods=["GET", "POST"])
@login_required
def new(hub_slug: str) -> BaseResponse | str:
    """Add a business on the street that is not on Townhub yet."""
    hub = _hub(hub_slug)
    form = _entry_form(hub)
    if form.validate_on_submit():
        try:
            entry = service.add_entry(hub, _details(form))
        except service.NotOnTheTeam:
            form.handled_by.errors = [_("Choose someone from the list")]
        else:
            flash(_("“%(name)s” is on the tracker.", name=entry.name))
            return redirect(url_for(".show", hub_slug=hub.slug, entry_id=entry.id), 303)
    return _entry_page(hub, form, None)


@bp.route("/hubs/<hub_slug>/tracker/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hub_slug: str, entry_id: int) -> BaseResponse | str:
    hub = _hub(hub_slug)
    entry = _entry(hub, entry_id)
    form = _entry_form(hub, entry)
    if form.validate_on_submit():
        try:
            service.update_entry(entry, _details(form))
        except service.NotOnTheTeam:
            form.handled_by.errors = [_("Choose someone from the list")]
        else:
            flash(_("Your changes to “%(name)s” are saved.", name=entry.name))
            return redirect(url_for(".show", hub_slug=hub.slug, entry_id=entry.id), 303)
    return _entry_page(hub, form, entry)


def _note_form(entry: TrackedBusiness) -> VisitNoteForm:
    # After a visit a business is no longer "not contacted": offer "visited" first.
    form = VisitNoteForm(
        data={
            "status": "visited" if entry.status == "not_contacted" else entry.status,
            "next_step": entry.next_step,
            "next_step_on": entry.next_step_on,
        }
    )
    form.recorded_next_step_on = entry.next_step_on
    return form


def _details_page(hub: Hub, entry: TrackedBusiness, form: VisitNoteForm) -> str:
    invite_url = None
    if entry.business_id is None and "accounts.new_business" in current_app.view_functions:
        invite_url = url_for("accounts.new_business", hub_slug=hub.slug, tracked=entry.id)
    return render_template(
        "tracker/show.html",
        managed=hub,
        entry=entry,
        row=service.row_for(entry),
        notes=service.visit_notes(entry),
        form=form,
        labels=STATUS_LABELS,
        status_hint=STATUS_HINT,
        invite_url=invite_url,
        form_has_errors=bool(form.errors),
    )


@bp.get("/hubs/<hub_slug>/tracker/<int:entry_id>")
@login_required
def show(hub_slug: str, entry_id: int) -> str:
    """One business: what the team knows, its visit notes newest first, and a form to add
    one."""
    hub = _hub(hub_slug)
    entry = _entry(hub, entry_id)
    return _details_page(hub, entry, _note_form(entry))


@bp.post("/hubs/<hub_slug>/tracker/<int:entry_id>/notes")
@login_required
def add_note(hub_slug: str, entry_id: int) -> BaseResponse | str:
    hub = _hub(hub_slug)
    entry = _entry(hub, entry_id)
    form = _note_form(entry)
    if not form.validate_on_submit():
        return _details_page(hub, entry, form)
    service.add_visit_note(
        entry,
        current_user,
        visited_on=form.visited_on.data,
        note=_text(form.note.data),
        next_step=_text(form.next_step.data),
        next_step_on=form.next_step_on.data,
        status=form.status.data,
    )
    flash(_("Your note on “%(name)s” is saved.", name=entry.name))
    return redirect(url_for(".show", hub_slug=hub.slug, entry_id=entry.id), 303)
