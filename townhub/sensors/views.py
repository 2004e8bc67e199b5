"""The sensor register for hub managers, the quarantine, and the public sensor pages."""

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
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.common import geo, mail
from townhub.common.downloads import pdf_response
from townhub.common.lookups import hub_or_404, managed_hub
from townhub.hubs.models import Hub
from townhub.posters import service as posters
from townhub.sensors import register
from townhub.sensors.forms import SensorForm
from townhub.sensors.models import Sensor
from townhub.sensors.presets import PRESETS

bp = Blueprint("sensors", __name__)


def _hub(hub_slug: str) -> Hub:
    return managed_hub(hub_slug, _("Only this hub's managers can see its sensors."))


def _sensor(hub: Hub, sensor_id: int) -> Sensor:
    try:
        return register.sensor_in(hub, sensor_id)
    except register.SensorNotFound:
        abort(404, description=_("This hub has no sensor at this address."))


@bp.get("/manage/hubs/<hub_slug>/sensors")
@login_required
def index(hub_slug: str) -> str:
    """Every sensor of the hub with its health: last seen, battery, signal, silent."""
    hub = _hub(hub_slug)
    _rows, quarantined = register.quarantine_for(hub)
    return render_template(
        "sensors/index.html",
        mail_on=mail.is_on(),
        managed=hub,
        health=register.health(register.hub_sensors(hub)),
        presets=PRESETS,
        quarantined=quarantined,
    )


def _form_for(sensor: Sensor | None) -> SensorForm:
    if sensor is None or request.method == "POST":
        return SensorForm()
    lon, lat = geo.lon_lat(sensor.location)
    data = {
        "name": sensor.name,
        "placement": sensor.placement,
        "operator": sensor.operator,
        "network": sensor.network,
        "device_id": sensor.device_id,
        "dev_eui": sensor.dev_eui or "",
        "kind": sensor.kind,
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        **{k: str(v) for k, v in sensor.mapping.items()},
    }
    form = SensorForm(data=data)
    form.period_minutes.data = sensor.mapping.get("period_minutes", 15)
    return form


def _details(form: SensorForm) -> register.SensorDetails:
    return register.SensorDetails(
        name=form.name.data.strip(),
        placement=(form.placement.data or "").strip(),
        operator=form.operator.data.strip(),
        network=form.network.data,
        device_id=form.device_id.data,
        dev_eui=form.dev_eui.data or None,
        kind=form.kind.data,
        mapping=form.mapping(),
        lon=float(form.longitude.data),
        lat=float(form.latitude.data),
    )


def _edit(hub: Hub, sensor: Sensor | None) -> BaseResponse | tuple[str, int]:
    form = _form_for(sensor)
    if sensor is None and request.method == "GET":
        form.operator.data = current_app.config.get("COUNCIL_NAME", "") or ""
    if form.validate_on_submit():
        try:
            saved = register.save(hub, _details(form), sensor)
        except register.TooFarAway:
            form.latitude.errors.append(
                _("That place is not on %(hub)s. Check the latitude and longitude.", hub=hub.name)
            )
        except register.DeviceTaken as taken:
            field = form.device_id if taken.field == "device_id" else form.dev_eui
            field.errors.append(_("Another sensor is registered with this. Check it."))
        else:
            flash(_("“%(name)s” is saved.", name=saved.name))
            return redirect(url_for(".index", hub_slug=hub.slug), 303)
    return render_template(
        "sensors/form.html",
        managed=hub,
        form=form,
        sensor=sensor,
        form_has_errors=bool(form.errors),
    ), (400 if form.errors else 200)


@bp.route("/manage/hubs/<hub_slug>/sensors/new", methods=["GET", "POST"])
@login_required
def new(hub_slug: str) -> BaseResponse | tuple[str, int]:
    return _edit(_hub(hub_slug), None)


@bp.route("/manage/hubs/<hub_slug>/sensors/<int:sensor_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hub_slug: str, sensor_id: int) -> BaseResponse | tuple[str, int]:
    hub = _hub(hub_slug)
    return _edit(hub, _sensor(hub, sensor_id))


@bp.get("/manage/hubs/<hub_slug>/sensors/quarantine")
@login_required
def quarantine(hub_slug: str) -> str:
    """Messages that could not be counted, with the reason, newest first."""
    hub = _hub(hub_slug)
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 10_000:
        abort(400, description=_("The page must be a number from 1."))
    rows, total = register.quarantine_for(hub, int(page))
    return render_template(
        "sensors/quarantine.html",
        managed=hub,
        rows=rows,
        total=total,
        page=int(page),
        per_page=register.QUARANTINE_PAGE,
    )


@bp.get("/manage/hubs/<hub_slug>/sensors/<int:sensor_id>/stickers.pdf")
@login_required
def stickers(hub_slug: str, sensor_id: int) -> Response:
    """Six stickers for the lamp column, each with a QR code to the sensor's public page."""
    hub = _hub(hub_slug)
    sensor = _sensor(hub, sensor_id)
    url = url_for(
        ".public_sensor",
        hub_slug=hub.slug,
        sensor_id=sensor.id,
        _external=True,
        _scheme=current_app.config["PREFERRED_URL_SCHEME"],
    )
    return pdf_response(
        posters.sensor_stickers(hub, sensor.name, url), f"sensor-{sensor.id}-stickers"
    )


# ---- public ----


@bp.get("/<hub_slug>/sensors")
def public_hub(hub_slug: str) -> str:
    """The hub's people counters: what they count, what they do not collect, who runs them."""
    hub = hub_or_404(hub_slug)
    return render_template(
        "sensors/public_hub.html", hub=hub, sensors=register.hub_sensors(hub), presets=PRESETS
    )


@bp.get("/<hub_slug>/sensors/<int:sensor_id>")
def public_sensor(hub_slug: str, sensor_id: int) -> str:
    hub = hub_or_404(hub_slug)
    sensor = _sensor(hub, sensor_id)
    lon, lat = geo.lon_lat(sensor.location)
    return render_template(
        "sensors/public_sensor.html",
        hub=hub,
        sensor=sensor,
        preset=PRESETS.get(sensor.kind, PRESETS["field"]),
        period=sensor.mapping.get("period_minutes", 15),
        lon=lon,
        lat=lat,
    )
