from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from townhub.businesses.categories import CATEGORIES, LABELS
from townhub.common.forms import one_of


def _email_field(label: Any, missing: Any) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(missing),
            Email(
                _l("Enter an email address in the right format, like name@example.com"),
                check_deliverability=False,
            ),
            Length(max=254, message=_l("The email address must be 254 characters or fewer")),
        ],
    )


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = _email_field(_l("Email address"), _l("Enter your email address"))
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password")), Length(max=200)]
    )


class NewBusinessForm(FlaskForm):  # type: ignore[misc]
    """A hub manager adds a business and its owner, to invite them."""

    name = StringField(
        _l("Name of the business"),
        validators=[
            DataRequired(_l("Enter the name of the business")),
            Length(max=120, message=_l("The name must be 120 characters or fewer")),
        ],
    )
    category = SelectField(
        _l("What kind of business is it?"),
        choices=[SelectChoice("", _l("Choose one"))]
        + [SelectChoice(slug, LABELS[slug]) for slug in CATEGORIES],
        validate_choice=False,
        validators=[one_of(CATEGORIES, _l("Choose what kind of business it is"))],
    )
    address = StringField(
        _l("Address"),
        validators=[
            DataRequired(_l("Enter the address of the business")),
            Length(max=200, message=_l("The address must be 200 characters or fewer")),
        ],
    )
    owner_name = StringField(
        _l("Owner’s name"),
        validators=[
            DataRequired(_l("Enter the owner’s name")),
            Length(max=120, message=_l("The name must be 120 characters or fewer")),
        ],
    )
    owner_email = _email_field(_l("Owner’s email address"), _l("Enter the owner’s email address"))


class SetPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(
        _l("Create a password"),
        validators=[
            DataRequired(_l("Enter a password")),
            Length(min=10, max=200, message=_l("The password must be from 10 to 200 characters")),
        ],
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(_l("Type the password again")),
            EqualTo("password", _l("The two passwords are not the same")),
        ],
    )
