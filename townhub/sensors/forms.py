"""The sensor register's form: a device, where it is, and which preset reads its count."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from townhub.businesses.forms import PositionForm
from townhub.common.forms import one_of
from townhub.sensors.presets import PRESETS

NETWORKS = {"tts": _l("The Things Stack"), "chirpstack": _l("ChirpStack")}
OPTION_LABELS = {
    "period": _l("People since the last message"),
    "cumulative": _l("Running totals (the device keeps adding up)"),
    "both": _l("Both directions"),
    "in": _l("In only"),
    "out": _l("Out only"),
    "a+b": _l("Counters A and B added"),
    "a": _l("Counter A only"),
    "b": _l("Counter B only"),
    "packed": _l("Packed (the firmware's default)"),
    "plain": _l("Plain"),
}
_DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DEV_EUI = re.compile(r"[0-9A-Fa-f]{16}")


def _select(label: Any, values: tuple[str, ...], message: Any) -> SelectField:
    return SelectField(
        label,
        choices=[SelectChoice(v, OPTION_LABELS.get(v, v)) for v in values],
        validate_choice=False,
        validators=[one_of(values, message)],
    )


class SensorForm(PositionForm):
    # The position fields come from PositionForm, so they would lead the error summary.
    page_order = (
        "name",
        "placement",
        "operator",
        "network",
        "device_id",
        "dev_eui",
        "latitude",
        "longitude",
        "kind",
        "counts",
        "line",
        "direction",
        "counters",
        "encoding",
        "field",
        "period_minutes",
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name, like Clock tower")),
            Length(max=120, message=_l("The name must be 120 characters or fewer")),
        ],
    )
    placement = StringField(
        _l("Where it is (optional)"),
        validators=[Length(max=200, message=_l("Where it is must be 200 characters or fewer"))],
    )
    operator = StringField(
        _l("Who runs it"),
        validators=[
            DataRequired(_l("Enter who runs it, like Croydon Council")),
            Length(max=200, message=_l("Who runs it must be 200 characters or fewer")),
        ],
    )
    network = SelectField(
        _l("Network server"),
        choices=[SelectChoice(k, v) for k, v in NETWORKS.items()],
        validate_choice=False,
        validators=[one_of(tuple(NETWORKS), _l("Choose a network server from the list"))],
    )
    device_id = StringField(
        _l("Device ID"),
        validators=[DataRequired(_l("Enter the device ID from the network server"))],
    )
    dev_eui = StringField(_l("DevEUI (optional)"), validators=[Optional()])
    kind = SelectField(
        _l("Kind of counter"),
        choices=[SelectChoice(k, p.label) for k, p in PRESETS.items()],
        validate_choice=False,
        validators=[one_of(tuple(PRESETS), _l("Choose a kind of counter from the list"))],
    )
    counts = _select(
        _l("What its numbers are"),
        ("period", "cumulative"),
        _l("Choose what its numbers are from the list"),
    )
    line = _select(_l("Line (Milesight)"), ("1", "2", "3", "4"), _l("Choose a line from 1 to 4"))
    direction = _select(
        _l("Direction (Milesight)"),
        ("both", "in", "out"),
        _l("Choose a direction from the list"),
    )
    counters = _select(
        _l("Counters (IMBuildings)"),
        ("a+b", "a", "b"),
        _l("Choose the counters from the list"),
    )
    encoding = _select(
        _l("Payload (Paxcounter without a formatter)"),
        ("packed", "plain"),
        _l("Choose packed or plain"),
    )
    field = StringField(
        _l("Decoded field (another counter)"),
        validators=[Length(max=100, message=_l("The field name must be 100 characters or fewer"))],
    )
    period_minutes = IntegerField(
        _l("Minutes between messages"),
        default=15,
        validators=[
            InputRequired(_l("Enter the minutes between messages, like 15")),
            NumberRange(1, 1440, _l("Minutes between messages must be from 1 to 1440")),
        ],
    )

    def validate_device_id(self, field: Field) -> None:
        field.data = (field.data or "").strip()
        if not _DEVICE_ID.fullmatch(field.data):
            raise ValidationError(
                _l(
                    "A device ID has letters, numbers, dots, dashes or underscores, "
                    "at most 64, like sn-clock-tower"
                )
            )

    def validate_dev_eui(self, field: Field) -> None:
        field.data = re.sub(r"[\s:-]", "", field.data or "").upper()
        if field.data and not _DEV_EUI.fullmatch(field.data):
            raise ValidationError(
                _l("A DevEUI is 16 hexadecimal characters, like 70B3D57ED0060001")
            )

    def validate_field(self, field: Field) -> None:
        field.data = (field.data or "").strip()
        if self.kind.data == "field" and not field.data:
            raise ValidationError(_l("Enter the decoded field that holds the count, like people"))

    def mapping(self) -> dict[str, Any]:
        """The preset's options, only those its kind uses."""
        options = PRESETS[self.kind.data].options
        mapping: dict[str, Any] = {"period_minutes": self.period_minutes.data}
        for name in options:
            mapping[name] = getattr(self, name).data
        if self.kind.data == "field":
            mapping["field"] = self.field.data
        return mapping
