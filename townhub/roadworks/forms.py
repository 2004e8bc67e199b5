"""The high street team's roadworks form: plain fields, and the works and the diversion
as points typed one per line (the map, where there is JavaScript, types them in)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from townhub.common.days import london_today
from townhub.common.forms import (
    UK_LATITUDE,
    UK_LONGITUDE,
    check_first_day,
    check_last_day,
    one_of,
)
from townhub.hubs.models import Hub
from townhub.roadworks.models import Roadwork
from townhub.roadworks.service import (
    TRAFFIC_MANAGEMENT,
    RoadworkDetails,
    TypedPoint,
    drawn_points,
    first_day_of,
    last_day_of,
    problems,
)

MAX_POINTS = 200
# Room for MAX_POINTS lines of "51.39750, -0.07520" and some slack.
MAX_POINTS_TEXT = 8000
# Longest works accepted, first day to last; longer ones are posted again when renewed.
MAX_DAYS = 2 * 365
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
# "51.3975, -0.0752", "51.3975,-0.0752", "51.3975 -0.0752" or "(51.3975, -0.0752)".
POINT = re.compile(rf"\(?\s*({NUMBER})\s*(?:[,;]\s*|\s+)({NUMBER})\s*\)?")
# Phones and word processors type these for a minus sign.
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-"})

OTHER = "other"
TRAFFIC_CHOICES = [
    SelectChoice("road_closed", _l("Road closed")),
    SelectChoice("lane_closure", _l("One lane closed")),
    SelectChoice("traffic_lights", _l("Two-way or temporary traffic lights")),
    SelectChoice("stop_go", _l("Stop/go boards")),
    SelectChoice("pavement_closed", _l("Pavement closed")),
    SelectChoice("none", _l("None: traffic is not affected")),
    SelectChoice(OTHER, _l("Something else")),
]
SHAPES = [
    SelectChoice("line", _l("A line along the street")),
    SelectChoice("area", _l("An area (the last point joins back to the first)")),
]


# Each message in two versions, so translators get whole sentences.
POINT_MESSAGES = {
    "works": {
        "unreadable": _l(
            "Line %(line)d of the points along the works is not a latitude and a longitude."
            " Write it like 51.3975, -0.0752"
        ),
        "swapped": _l(
            "Line %(line)d of the points along the works has the longitude first. Write the"
            " latitude first: %(fixed)s"
        ),
        "outside": _l(
            "Line %(line)d of the points along the works is outside the United Kingdom."
            " Check the numbers"
        ),
        "too_many": _l("Use %(most)d points or fewer along the works: there are %(count)d"),
    },
    "diversion": {
        "unreadable": _l(
            "Line %(line)d of the points along the diversion is not a latitude and a"
            " longitude. Write it like 51.3975, -0.0752"
        ),
        "swapped": _l(
            "Line %(line)d of the points along the diversion has the longitude first. Write"
            " the latitude first: %(fixed)s"
        ),
        "outside": _l(
            "Line %(line)d of the points along the diversion is outside the United Kingdom."
            " Check the numbers"
        ),
        "too_many": _l("Use %(most)d points or fewer along the diversion: there are %(count)d"),
    },
}


def read_points(text: str, which: str) -> list[TypedPoint]:
    """The points in the box (`which`: "works" or "diversion"), one per line as "latitude,
    longitude"; blank lines skipped. Raises ValidationError naming the first line that is
    not a point in the United Kingdom."""
    messages = POINT_MESSAGES[which]
    points = []
    for number, line in enumerate(text.translate(MINUS_SIGNS).splitlines(), start=1):
        if not line.strip():
            continue
        match = POINT.fullmatch(line.strip())
        values = (float(match.group(1)), float(match.group(2))) if match else None
        if values is None or not all(math.isfinite(value) for value in values):
            raise ValidationError(messages["unreadable"] % {"line": number})
        lat, lon = values
        if _in_uk(lat=lon, lon=lat) and not _in_uk(lat=lat, lon=lon):
            raise ValidationError(
                messages["swapped"] % {"line": number, "fixed": f"{lon:g}, {lat:g}"}
            )
        if not _in_uk(lat=lat, lon=lon):
            raise ValidationError(messages["outside"] % {"line": number})
        points.append(TypedPoint(number, lon=lon, lat=lat))
    if len(points) > MAX_POINTS:
        raise ValidationError(messages["too_many"] % {"most": MAX_POINTS, "count": len(points)})
    return points


def points_text(points: list[tuple[float, float]]) -> str:
    """(lon, lat) points as the form shows them: "latitude, longitude", one per line."""
    return "\n".join(f"{_decimal(lat)}, {_decimal(lon)}" for lon, lat in points)


def _decimal(value: float) -> str:
    """To six places (about 10 cm), without trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _in_uk(*, lat: float, lon: float) -> bool:
    return UK_LATITUDE[0] <= lat <= UK_LATITUDE[1] and UK_LONGITUDE[0] <= lon <= UK_LONGITUDE[1]


class RoadworkForm(FlaskForm):  # type: ignore[misc]
    """New works, or changes to works posted by hand. For changes, set `unchanged_days` to
    the works' own first and last days: a day left as it was is not checked again."""

    street = StringField(
        _l("Street"),
        validators=[
            DataRequired(_l("Enter the street")),
            Length(max=120, message=_l("The street must be 120 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("What is happening"),
        validators=[
            DataRequired(_l("Enter what is happening")),
            Length(max=1000, message=_l("Keep what is happening to 1,000 characters or fewer")),
        ],
    )
    first_day = DateField(
        _l("First day of the works"),
        validators=[DataRequired(_l("Enter the first day, like 2026-11-28"))],
    )
    last_day = DateField(
        _l("Last day of the works"),
        validators=[DataRequired(_l("Enter the last day, like 2026-12-05"))],
    )
    traffic_management = RadioField(
        _l("What happens to traffic?"),
        choices=TRAFFIC_CHOICES,
        # Checked by one_of, whose message is ours and translated.
        validate_choice=False,
        validators=[
            InputRequired(_l("Choose what happens to traffic")),
            one_of(
                tuple(choice.value for choice in TRAFFIC_CHOICES),
                _l("Choose what happens to traffic"),
            ),
        ],
    )
    traffic_other = StringField(
        _l("What else happens to traffic?"),
        validators=[
            Length(max=120, message=_l("Say what happens to traffic in 120 characters or fewer"))
        ],
    )
    works_shape = RadioField(
        _l("Are the works a line or an area?"),
        choices=SHAPES,
        default="line",
        validate_choice=False,
        validators=[
            InputRequired(_l("Choose a line or an area")),
            one_of(("line", "area"), _l("Choose a line or an area")),
        ],
    )
    works_points = TextAreaField(
        _l("Points along the works, one per line, as latitude, longitude"),
        validators=[
            DataRequired(_l("Enter the points along the works, or draw them on the map")),
            Length(max=MAX_POINTS_TEXT, message=_l("There are too many points along the works")),
        ],
    )
    diversion_points = TextAreaField(
        _l("Points along the diversion, one per line, as latitude, longitude (if there is one)"),
        validators=[
            Length(
                max=MAX_POINTS_TEXT, message=_l("There are too many points along the diversion")
            ),
        ],
    )
    diversion_text = TextAreaField(
        _l("The diversion in words"),
        validators=[
            Length(max=1000, message=_l("Keep the diversion to 1,000 characters or fewer"))
        ],
    )
    reference = StringField(
        _l("Reference (optional)"),
        validators=[
            Length(max=60, message=_l("The reference must be 60 characters or fewer")),
        ],
    )
    preview = SubmitField(_l("Preview"))

    unchanged_days: tuple[date, date] | None = None

    @classmethod
    def to_change(cls, roadwork: Roadwork) -> RoadworkForm:
        """The form for changing works: filled in from them unless it was posted, and the
        days left as they were not checked again (works that began last year may stay so)."""
        form = cls()
        form.unchanged_days = (first_day_of(roadwork), last_day_of(roadwork))
        if not form.is_submitted():
            form.fill_from(roadwork)
        return form

    def fill_from(self, roadwork: Roadwork) -> None:
        """Show the works as they are stored, to be changed."""
        works, area, diversion = drawn_points(roadwork)
        known = {words: code for code, words in TRAFFIC_MANAGEMENT.items()}
        # Works stored without it (a demo's, say) ask again rather than guess.
        code = known.get(
            roadwork.traffic_management, OTHER if roadwork.traffic_management else None
        )
        self.street.data = roadwork.street
        self.description.data = roadwork.description
        self.first_day.data = first_day_of(roadwork)
        self.last_day.data = last_day_of(roadwork)
        self.traffic_management.data = code
        self.traffic_other.data = roadwork.traffic_management if code == OTHER else ""
        self.works_shape.data = "area" if area else "line"
        self.works_points.data = points_text(works)
        self.diversion_points.data = points_text(diversion)
        self.diversion_text.data = roadwork.diversion_text
        self.reference.data = roadwork.reference

    def _works(self) -> list[TypedPoint]:
        return read_points(self.works_points.data or "", "works")

    def _diversion(self) -> list[TypedPoint]:
        return read_points(self.diversion_points.data or "", "diversion")

    def validate_first_day(self, field: Field) -> None:
        if not field.data or (self.unchanged_days and field.data == self.unchanged_days[0]):
            return
        check_first_day(field.data)
        if field.data < london_today() - timedelta(days=365):
            raise ValidationError(_l("The first day must be within the last year"))

    def validate_last_day(self, field: Field) -> None:
        if not field.data:
            return
        check_last_day(
            field.data,
            self.first_day.data,
            longest=MAX_DAYS,
            too_long=_l("Works can run for two years at most. Post them again then"),
            # A last day left as it was is not checked again: the works may have ended.
            past=bool(self.unchanged_days and field.data == self.unchanged_days[1]),
        )

    def validate_traffic_other(self, field: Field) -> None:
        if self.traffic_management.data == OTHER and not (field.data or "").strip():
            raise ValidationError(_l("Say what else happens to traffic"))

    def validate_works_points(self, field: Field) -> None:
        points = self._works()
        if self.works_shape.data == "area" and len(points) < 3:
            raise ValidationError(_l("An area needs at least 3 points along its edge"))
        if len(points) < 2:
            raise ValidationError(
                _l("A line needs at least 2 points: where the works start and end")
            )

    def validate_diversion_points(self, field: Field) -> None:
        if len(self._diversion()) == 1:
            raise ValidationError(
                _l("A diversion needs at least 2 points: where it starts and where it ends")
            )

    def validate_diversion_text(self, field: Field) -> None:
        if (self.diversion_points.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(
                _l("Say where the diversion goes, like: Follow the signs via Station Road")
            )

    def details(self) -> RoadworkDetails:
        """The checked answers, for the service."""
        choice = self.traffic_management.data
        return RoadworkDetails(
            street=self.street.data.strip(),
            description=self.description.data.strip(),
            reference=(self.reference.data or "").strip(),
            first_day=self.first_day.data,
            last_day=self.last_day.data,
            traffic_management=(
                (self.traffic_other.data or "").strip()
                if choice == OTHER
                else TRAFFIC_MANAGEMENT[choice]
            ),
            works=tuple(self._works()),
            area=self.works_shape.data == "area",
            diversion=tuple(self._diversion()),
            diversion_text=(self.diversion_text.data or "").strip(),
        )

    def validate_with(self, hub: Hub, roadwork: Roadwork | None = None) -> bool:
        """Validate a posted form. When it has errors, the points and reference that read
        well are checked against the hub too, so every problem shows at once (the service
        checks everything again before storing)."""
        if not self.validate_on_submit():
            if self.is_submitted():
                self.reject(problems(hub, roadwork=roadwork, **self._readable()))
            return False
        return True

    def _readable(self) -> dict[str, Any]:
        """The points and reference as far as they read well; empty where a field has errors."""
        return {
            "works": () if self.works_points.errors else tuple(self._works()),
            "area": self.works_shape.data == "area",
            "diversion": () if self.diversion_points.errors else tuple(self._diversion()),
            "reference": "" if self.reference.errors else (self.reference.data or "").strip(),
        }

    def reject(self, found: dict[str, str]) -> None:
        """Show what the service found wrong at the fields it names."""
        for name, message in found.items():
            self[name].errors = [*self[name].errors, message]


class EndRoadworkForm(FlaskForm):  # type: ignore[misc]
    """The button that ends works early, now."""

    end = SubmitField(_l("The works have finished"))
