from __future__ import annotations

from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from townhub.accounts import invites, service
from townhub.accounts.forms import NewBusinessForm, SetPasswordForm, SignInForm
from townhub.accounts.models import Invite, User
from townhub.common.lookups import managed_hub
from townhub.extensions import db, limiter, login_manager
from townhub.hubs.models import Hub
from townhub.tracker import service as tracker
from townhub.tracker.models import TrackedBusiness

bp = Blueprint("accounts", __name__, url_prefix="/manage")
login_manager.user_loader(service.load_user)

# Where a link made a moment ago waits to be shown, once, to the manager who made it.
SHOWN_ONCE = "new_links"


def _too_many() -> str:
    # Flask-Limiter calls it for each refusal, so the message follows the page's language.
    return str(_("Too many attempts. Wait a few minutes, then try again."))


def _posted_email() -> str:
    return (request.form.get("email") or "").strip().lower()


@bp.route("/sign-in", methods=["GET", "POST"])
# Per address, and per account so that many addresses cannot guess one password.
@limiter.limit("10 per minute;50 per hour", methods=["POST"], error_message=cast(str, _too_many))
@limiter.limit(
    "5 per minute;20 per hour",
    methods=["POST"],
    key_func=_posted_email,
    error_message=cast(str, _too_many),
)
def sign_in() -> BaseResponse | str:
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.InvalidCredentials:
            form.email.errors.append(_("The email address or password is not right"))
        else:
            login_user(user)
            next_url = request.args.get("next", "")
            # Only ever go back to a path on this site.
            if not next_url.startswith("/") or next_url.startswith("//"):
                next_url = url_for("manage.dashboard")
            return redirect(next_url, code=303)
    return render_template("accounts/sign_in.html", form=form, form_has_errors=bool(form.errors))


@bp.post("/sign-out")
@login_required
def sign_out() -> Response | BaseResponse:
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("hubs.chooser"), code=303)


@bp.route("/hubs/<hub_slug>/businesses/new", methods=["GET", "POST"])
@login_required
def new_business(hub_slug: str) -> BaseResponse | str:
    """A hub manager adds a business and gets a link (and QR code) for its owner."""
    hub = managed_hub(hub_slug, _("Only this hub's managers can add businesses to it."))
    entry = _tracked(hub)
    form = NewBusinessForm()
    if request.method == "GET" and entry is not None:
        form.name.data, form.address.data = entry.name, entry.address
        form.category.data = entry.category
    if form.validate_on_submit():
        new = invites.NewBusiness(
            name=form.name.data.strip(),
            category=form.category.data,
            address=form.address.data.strip(),
            owner_name=form.owner_name.data.strip(),
            owner_email=form.owner_email.data.strip(),
        )
        try:
            business, issued = invites.add_business(current_user, hub, new)
        except invites.EmailTaken:
            form.owner_email.errors.append(
                _(
                    "This email address belongs to a high street team or council account. "
                    "Enter the owner’s own email address"
                )
            )
        else:
            if entry is not None:
                tracker.link_business(entry, business)
            if issued is None:
                flash(
                    _(
                        "%(name)s is added to the account of %(owner)s.",
                        name=business.name,
                        owner=new.owner_name,
                    )
                )
                return redirect(url_for("manage.dashboard"), code=303)
            return _show_link_once(issued)
    return render_template(
        "accounts/new_business.html", managed=hub, form=form, form_has_errors=bool(form.errors)
    )


@bp.post("/owners/<int:user_id>/link")
@login_required
def new_link(user_id: int) -> BaseResponse:
    """A new sign-in link for an owner who lost theirs or forgot their password."""
    owner = db.session.get(User, user_id)
    if owner is None:
        abort(404, description=_("There is no such account."))
    try:
        issued = invites.new_link(current_user, owner)
    except invites.NotAllowed:
        abort(403, description=_("Only the high street team of this owner's business can do this."))
    return _show_link_once(issued)


def _tracked(hub: Hub) -> TrackedBusiness | None:
    """The onboarding tracker's entry this business comes from (`?tracked=`), if any."""
    tracked = request.args.get("tracked", "")
    if not tracked:
        return None
    try:
        return tracker.entry_for(hub, int(tracked)) if tracked.isdigit() else None
    except tracker.EntryNotFound:
        abort(404, description=_("The tracker has no such business."))


def _show_link_once(issued: invites.IssuedInvite) -> BaseResponse:
    # Only the token's hash is stored: the link can be shown now, never again.
    session[SHOWN_ONCE] = {**session.get(SHOWN_ONCE, {}), str(issued.invite.id): issued.token}
    return redirect(url_for("accounts.invite_link", invite_id=issued.invite.id), code=303)


@bp.get("/links/<int:invite_id>")
@login_required
def invite_link(invite_id: int) -> str:
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.created_by_id != current_user.id:
        abort(404, description=_("There is no such link."))
    token = session.get(SHOWN_ONCE, {}).get(str(invite_id))
    link = url_for("accounts.accept_invite", token=token, _external=True) if token else None
    return render_template(
        "accounts/invite_link.html",
        invite=invite,
        link=link,
        businesses=invite.user.businesses,
    )


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], error_message=cast(str, _too_many))
def accept_invite(token: str) -> BaseResponse | tuple[str, int] | str:
    """The owner opens the link on their phone and sets a password."""
    try:
        invite = invites.usable_invite(token)
    except invites.InviteUnusable:
        return render_template("accounts/invite_unusable.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = invites.accept(token, form.password.data)
        except invites.InviteUnusable:
            return render_template("accounts/invite_unusable.html"), 410
        login_user(user)
        flash(_("Your password is set. Welcome to Townhub, %(name)s.", name=user.name))
        return redirect(url_for("manage.dashboard"), code=303)
    return render_template(
        "accounts/set_password.html",
        invite=invite,
        form=form,
        form_has_errors=bool(form.errors),
    )
