from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from townhub.accounts import service
from townhub.accounts.forms import SignInForm
from townhub.extensions import login_manager

bp = Blueprint("accounts", __name__, url_prefix="/manage")
login_manager.user_loader(service.load_user)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> BaseResponse | tuple[str, int] | str:
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
