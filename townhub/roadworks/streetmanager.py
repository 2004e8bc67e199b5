"""DfT Street Manager open data, read into permits a high street can use. Pure: no database.

Street Manager publishes an event each time a permit moves on (PERMIT_GRANTED, WORK_START,
WORK_STOP, PERMIT_CANCELLED, ...). Subscribers receive it from Amazon SNS as a Notification
envelope whose `Message` is the event as a JSON *string*; the event's `object_data` holds the
permit: `permit_reference_number`, `street_name`, `works_location_coordinates` (well-known
text in British National Grid), `proposed_start_date`, `actual_end_date_time` and so on.
DfT's monthly permit archive has one event per row, with the `object_data` fields (and
`event_type`, `event_time`) as CSV columns.

The format has quirks this module absorbs: flags are "Yes"/"No" strings, USRNs are strings,
absent values come as null, "" or "NULL", event types are WORK_START or work-start, a
proposed time may be a full timestamp or just "13:50", and a date without a time means a
day on the London calendar. DfT may add fields without notice, so only the fields used are
read and the rest are ignored.
"""

from __future__ import annotations

import csv
import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import shapely
from flask_babel import gettext as _
from shapely import wkt as shapely_wkt

from townhub.common.days import at_london
from townhub.common.formatting import LONDON

# Events that end the works: stopped on site, or the permit withdrawn.
STOP_EVENTS = {"WORK_STOP": "stopped", "PERMIT_CANCELLED": "cancelled", "PERMIT_REVOKED": "revoked"}
# Events that undo a stop or a start: the permit's dates apply again.
REVERT_EVENTS = {"WORK_STOP_REVERTED", "WORK_START_REVERTED"}
# Permits not (yet) given: nothing will happen on the street because of them.
NOT_GRANTED_EVENTS = {
    "PERMIT_SUBMITTED",
    "PERMIT_REFUSED",
    "PERMIT_ALTERATION_SUBMITTED",
    "PERMIT_ALTERATION_REFUSED",
}
NOT_GRANTED_STATUSES = {"submitted", "refused"}
# Without an event type (a CSV without that column), the statuses say the works are over.
FINISHED_WORK_STATUSES = {"completed": "stopped", "cancelled": "cancelled"}
FINISHED_PERMIT_STATUSES = {"closed": "stopped", "cancelled": "cancelled", "revoked": "revoked"}

NULLS = {"", "null", "none", "n/a"}
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/-]{0,59}")
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_ONLY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Great Britain in British National Grid metres, with the sea around it.
BNG_EXTENT = (0.0, 0.0, 700_000.0, 1_300_000.0)
MAX_WKT = 100_000
KINDS = {"Point": "point", "LineString": "line", "MultiLineString": "line", "Polygon": "area"}
STREET_MAX, TRAFFIC_MAX = 120, 120
SNS_TYPES = {"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"}
CATEGORIES = {
    "immediate - emergency": "Emergency works.",
    "immediate - urgent": "Urgent works.",
    "major": "Major works.",
    "major (paa)": "Major works.",
    "standard": "Standard works.",
    "minor": "Minor works.",
    "hs2 (highway)": "HS2 works.",
}
STOPPED_WORDS = {
    "stopped": "The works have finished.",
    "cancelled": "The permit was cancelled.",
    "revoked": "The permit was revoked.",
}


class StreetManagerError(ValueError):
    """Street Manager input that cannot be used; `reason` says why in plain words."""

    def __init__(self, reason: str, reference: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reference = reference


class MalformedPermit(StreetManagerError):
    """The input is broken: not JSON, a field missing, a location that is not a shape."""


class NotRoadworks(StreetManagerError):
    """Well-formed, but nothing that will happen on a street: an activity, a refused permit."""


@dataclass(frozen=True)
class PermitNotice:
    """One permit as its latest event describes it."""

    reference: str
    event_type: str  # e.g. WORK_START; "" when the input did not say
    event_time: datetime | None
    street: str
    description: str
    traffic_management: str
    starts_at: datetime
    ends_at: datetime  # as planned
    ended_at: datetime | None  # when the works stopped or the permit was withdrawn, if known
    wkt: str  # British National Grid
    kind: str  # point, line or area
    bounds: tuple[float, float, float, float]  # in British National Grid metres
    stopped: str | None  # None, or how the works ended: stopped, cancelled, revoked
    usrn: str | None

    @property
    def reverts(self) -> bool:
        return self.event_type in REVERT_EVENTS


@dataclass(frozen=True)
class Entry:
    """One message or CSV row: the permit, or why it cannot be used. `line` is the CSV line,
    or (`unit` "item") the position in a list of messages, from 1; None for one message."""

    line: int | None
    result: PermitNotice | StreetManagerError
    unit: str = "line"


@dataclass(frozen=True)
class Envelope:
    """What arrived at the endpoint: notifications to import, or an SNS subscription note."""

    kind: str  # Notification, SubscriptionConfirmation or UnsubscribeConfirmation
    entries: list[Entry]
    topic_arn: str = ""
    subscribe_url: str = ""


# Reading values --------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as clean text, or None when absent ("", "NULL", null)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(CONTROL.sub(" ", value).split())
    return None if cleaned.lower() in NULLS else cleaned


def _flag(value: Any) -> bool | None:
    """Street Manager's "Yes"/"No" (and true/false, Y/N); None when absent or "Not provided"."""
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").lower()
    if text in {"yes", "y", "true", "1"}:
        return True
    if text in {"no", "n", "false", "0"}:
        return False
    return None


def _usrn(value: Any) -> str | None:
    """A Unique Street Reference Number: a string of digits in the feed, sometimes a number,
    or "8400794.0" after a spreadsheet has been at it. Not needed to place the works."""
    text = _text(value)
    if text is None:
        return None
    text = text.removesuffix(".0")
    return text if text.isdigit() else None


def _street(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    # The gazetteer shouts ("HIGH STREET"); residents read "High Street".
    if text.isupper():
        text = string.capwords(text.lower())
    return text if len(text) <= STREET_MAX else text[: STREET_MAX - 1].rstrip() + "…"


def _instant(value: Any, field: str) -> datetime | None:
    """An aware UTC time from ISO 8601 with Z or an offset. A time without an offset is UTC,
    as Street Manager writes them; a bare date is midnight at the start of that London day."""
    text = _text(value)
    if text is None:
        return None
    try:
        if DATE_ONLY.fullmatch(text):
            return at_london(date.fromisoformat(text)).astimezone(UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedPermit(
            _(
                "%(field)s is %(value)s, which is not an ISO 8601 date or time"
                " (such as 2025-06-16 or 2025-06-16T07:30:00Z).",
                field=field,
                value=repr(text[:40]),
            )
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _day_and_time(data: dict[str, Any], day_field: str, time_field: str) -> datetime | None:
    """A proposed date, made precise by its time field when that is given. The time is a full
    timestamp in the feed, or sometimes only "13:50" (London time on that day)."""
    day = _instant(data.get(day_field), day_field)
    clock = _text(data.get(time_field))
    if clock is not None:
        bare = TIME_ONLY.fullmatch(clock)
        if bare is None:
            return _instant(clock, time_field)
        if day is not None:
            hour, minute, second = (int(part or 0) for part in bare.groups())
            if hour > 23 or minute > 59 or second > 59:
                raise MalformedPermit(
                    _(
                        "%(field)s is %(value)s, which is not a time of day.",
                        field=time_field,
                        value=repr(clock),
                    )
                )
            london_day = day.astimezone(LONDON).date()
            return at_london(london_day, time(hour, minute, second)).astimezone(UTC)
    return day


def _is_date_only(data: dict[str, Any], day_field: str, time_field: str) -> bool:
    day = _text(data.get(day_field))
    return day is not None and bool(DATE_ONLY.fullmatch(day)) and not _text(data.get(time_field))


def _event_type(value: Any) -> str:
    # The docs show both WORK_START and work-start.
    return (_text(value) or "").upper().replace("-", "_").replace(" ", "_")


def _location(data: dict[str, Any]) -> tuple[str, str, tuple[float, float, float, float]]:
    """The works location: its well-known text in British National Grid, its kind and bounds."""
    raw = data.get("works_location_coordinates")
    text = _text(raw)
    if text is None:
        raise MalformedPermit(_("The permit has no works_location_coordinates."))
    if len(text) > MAX_WKT:
        raise MalformedPermit(_("works_location_coordinates is too long to be a works location."))
    if text.upper().startswith("SRID="):
        srid, _sep, text = text.partition(";")
        if srid.upper() != "SRID=27700":
            raise MalformedPermit(
                _("works_location_coordinates must be in British National Grid (SRID 27700).")
            )
    try:
        shape = shapely_wkt.loads(text)
    except (shapely.errors.ShapelyError, ValueError, TypeError):
        raise MalformedPermit(
            _(
                "works_location_coordinates is not well-known text (WKT) such as"
                " POINT(534000 168253): %(value)s",
                value=repr(text[:60]),
            )
        ) from None
    kind = KINDS.get(shape.geom_type)
    if kind is None:
        raise MalformedPermit(
            _(
                "works_location_coordinates is a %(kind)s; a point, line or polygon is needed.",
                kind=shape.geom_type,
            )
        )
    if shape.is_empty or not shape.is_valid or shape.has_z:
        raise MalformedPermit(
            _("works_location_coordinates is empty, crosses itself or is not a flat shape.")
        )
    min_x, min_y, max_x, max_y = (float(v) for v in shape.bounds)
    if (
        min_x < BNG_EXTENT[0]
        or min_y < BNG_EXTENT[1]
        or max_x > BNG_EXTENT[2]
        or (max_y > BNG_EXTENT[3])
    ):
        raise MalformedPermit(
            _(
                "works_location_coordinates must be British National Grid eastings and"
                " northings in metres; %(value)s is outside Great Britain (longitude and"
                " latitude, perhaps?).",
                value=repr(text[:60]),
            )
        )
    return shapely_wkt.dumps(shape, trim=True), kind, (min_x, min_y, max_x, max_y)


def _description(data: dict[str, Any], reference: str, stopped: str | None) -> str:
    """The works in plain words, from the permit's fields. Stored in English, as the source
    is, like works a hub manager types in."""
    sentences = []
    activity = _text(data.get("activity_type")) or "Street works"
    promoter = _text(data.get("promoter_organisation"))
    sentences.append(f"{activity} by {promoter}." if promoter else f"{activity}.")
    category = CATEGORIES.get((_text(data.get("work_category")) or "").lower())
    if category:
        sentences.append(category)
    where = _text(data.get("works_location_type"))
    if where:
        places = [part.strip().lower() for part in where.split(",") if part.strip()]
        joined = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]
        sentences.append(f"On the {joined}.")
    footway = _text(data.get("close_footway")) or ""
    if footway.lower().startswith("yes"):
        walkway = "walkway" in footway.lower()
        sentences.append(
            "The pavement is closed, with a walkway for people on foot."
            if walkway
            else "The pavement is closed."
        )
    if _flag(data.get("is_traffic_sensitive")):
        sentences.append("A traffic-sensitive street: expect delays at busy times.")
    if stopped:
        sentences.append(STOPPED_WORDS[stopped])
    sentences.append(f"Street Manager permit {reference}.")
    return " ".join(sentences)


def _stopped(event_type: str, data: dict[str, Any]) -> str | None:
    if event_type in STOP_EVENTS:
        return STOP_EVENTS[event_type]
    if event_type in REVERT_EVENTS:
        return None
    work_status = (_text(data.get("work_status_ref")) or "").lower()
    permit_status = (_text(data.get("permit_status")) or "").lower()
    if work_status in FINISHED_WORK_STATUSES:
        return FINISHED_WORK_STATUSES[work_status]
    if permit_status in FINISHED_PERMIT_STATUSES:
        return FINISHED_PERMIT_STATUSES[permit_status]
    if _text(data.get("actual_end_date_time")):
        return "stopped"
    return None


# Reading messages and rows ---------------------------------------------------------------


def read_permit(message: Any) -> PermitNotice:
    """One Street Manager event (the plain message, `object_data` inside) as a permit.
    Raises MalformedPermit, or NotRoadworks for events that put nothing on a street."""
    if not isinstance(message, dict):
        raise MalformedPermit(_("The message is not a JSON object."))
    data = message.get("object_data")
    if not isinstance(data, dict):
        raise MalformedPermit(_("The message has no object_data with the permit in it."))
    return read_row({**data, **{k: v for k, v in message.items() if k != "object_data"}})


def read_row(data: dict[str, Any]) -> PermitNotice:
    """A permit from its fields: one CSV row, or an event's object_data with the event's own
    fields (event_type, event_time, object_type) alongside. Raises MalformedPermit or
    NotRoadworks."""
    object_type = (_text(data.get("object_type")) or "PERMIT").upper()
    reference = _text(data.get("permit_reference_number"))
    if reference is None and object_type == "PERMIT":
        reference = _text(data.get("object_reference"))
    event_type = _event_type(data.get("event_type"))
    if object_type != "PERMIT":
        raise NotRoadworks(
            _(
                "%(kind)s notifications are not imported; only permits are.",
                kind=object_type.replace("_", " ").title(),
            ),
            reference,
        )
    if reference is None:
        raise MalformedPermit(_("The permit has no permit_reference_number."))
    if not REFERENCE.fullmatch(reference):
        raise MalformedPermit(
            _(
                "permit_reference_number %(value)s is not a Street Manager reference"
                " (letters, digits and hyphens, up to 60).",
                value=repr(reference[:70]),
            )
        )
    permit_status = (_text(data.get("permit_status")) or "").lower()
    if event_type in NOT_GRANTED_EVENTS or (
        not event_type and permit_status in NOT_GRANTED_STATUSES
    ):
        raise NotRoadworks(
            _(
                "A permit that has not been granted (%(event)s) puts no works on the street.",
                event=event_type or permit_status,
            ),
            reference,
        )
    try:
        return _permit(data, reference, event_type)
    except MalformedPermit as error:
        error.reference = reference
        raise


def _permit(data: dict[str, Any], reference: str, event_type: str) -> PermitNotice:
    street = _street(data.get("street_name"))
    if street is None:
        raise MalformedPermit(_("The permit has no street_name."))
    wkt, kind, bounds = _location(data)
    stopped = _stopped(event_type, data)
    event_time = _instant(data.get("event_time"), "event_time")
    starts_at = _instant(data.get("actual_start_date_time"), "actual_start_date_time")
    starts_at = starts_at or _day_and_time(data, "proposed_start_date", "proposed_start_time")
    if starts_at is None:
        raise MalformedPermit(_("The permit has no proposed_start_date."))
    planned_end = _day_and_time(data, "proposed_end_date", "proposed_end_time")
    if planned_end is not None and _is_date_only(data, "proposed_end_date", "proposed_end_time"):
        # Works "until 4 July" run through that London day.
        planned_end = at_london(planned_end.astimezone(LONDON).date() + timedelta(days=1))
        planned_end = planned_end.astimezone(UTC)
    ended_at = None
    if stopped == "stopped":
        ended_at = _instant(data.get("actual_end_date_time"), "actual_end_date_time")
    if stopped:
        ended_at = ended_at or event_time
    ends_at = planned_end or ended_at
    if ends_at is None:
        raise MalformedPermit(_("The permit has no proposed_end_date."))
    if ends_at <= starts_at and not stopped:
        raise MalformedPermit(_("The permit ends before it starts."))
    traffic = _text(data.get("current_traffic_management_type")) or _text(
        data.get("traffic_management_type")
    )
    return PermitNotice(
        reference=reference,
        event_type=event_type,
        event_time=event_time,
        street=street,
        description=_description(data, reference, stopped),
        traffic_management=(traffic or "")[:TRAFFIC_MAX],
        starts_at=starts_at,
        ends_at=ends_at,
        ended_at=ended_at,
        wkt=wkt,
        kind=kind,
        bounds=bounds,
        stopped=stopped,
        usrn=_usrn(data.get("usrn")),
    )


def read_envelope(body: Any, sns_type: str | None = None) -> Envelope:
    """What an endpoint received: an SNS envelope (its `Message` a JSON string), or the plain
    message (as SNS sends it with raw message delivery). `sns_type` is the
    x-amz-sns-message-type header, when sent. Raises MalformedPermit when it is neither."""
    if not isinstance(body, dict):
        raise MalformedPermit(
            _("The body must be a JSON object: an SNS message or a permit event.")
        )
    if "Type" not in body and "Message" not in body:
        return Envelope("Notification", [_entry(None, body)])
    kind = body.get("Type") or sns_type
    if kind not in SNS_TYPES:
        raise MalformedPermit(_("%(kind)s is not an SNS message type.", kind=repr(kind)[:60]))
    if kind != "Notification":
        return Envelope(
            str(kind),
            [],
            topic_arn=_text(body.get("TopicArn")) or "",
            subscribe_url=_text(body.get("SubscribeURL")) or "",
        )
    message = body.get("Message")
    if not isinstance(message, str):
        raise MalformedPermit(_("The SNS notification has no Message."))
    try:
        decoded = json.loads(message)
    except (ValueError, RecursionError):
        raise MalformedPermit(_("The SNS notification's Message is not valid JSON.")) from None
    return Envelope("Notification", [_entry(None, decoded)], topic_arn=body.get("TopicArn") or "")


def _entry(line: int | None, message: Any) -> Entry:
    try:
        return Entry(line, read_permit(message))
    except StreetManagerError as error:
        return Entry(line, error)


def read_messages(data: Any) -> Iterator[Entry]:
    """Entries from JSON: one message (plain or in its SNS envelope), or a list of them."""
    items = data if isinstance(data, list) else [data]
    for position, item in enumerate(items, start=1):
        line = position if isinstance(data, list) else None
        try:
            envelope = read_envelope(item)
        except MalformedPermit as error:
            yield Entry(line, error, "item")
            continue
        if envelope.kind != "Notification":
            reason = _("An SNS %(kind)s carries no permit.", kind=envelope.kind)
            yield Entry(line, NotRoadworks(reason), "item")
        for entry in envelope.entries:
            yield Entry(line, entry.result, "item")


def read_csv(lines: Iterable[str]) -> Iterator[Entry]:
    """Entries from the monthly permit CSV: a header row naming the fields, one event a row.
    Column names may carry an `object_data.` prefix (a flattened archive)."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        yield Entry(
            1, MalformedPermit(_("The CSV header cannot be read: %(error)s", error=str(error)))
        )
        return
    names = [name.strip().lower().removeprefix("object_data.") for name in header]
    if "permit_reference_number" not in names or "works_location_coordinates" not in names:
        yield Entry(
            1,
            MalformedPermit(
                _(
                    "The CSV header has no permit_reference_number or"
                    " works_location_coordinates column: is this the Street Manager permit file?"
                )
            ),
        )
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Entry(
                reader.line_num,
                MalformedPermit(_("The line cannot be read: %(error)s", error=str(error))),
            )
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            yield Entry(
                reader.line_num,
                MalformedPermit(
                    _(
                        "The line has %(found)d fields; the header names %(expected)d.",
                        found=len(row),
                        expected=len(names),
                    )
                ),
            )
            continue
        try:
            yield Entry(reader.line_num, read_row(dict(zip(names, row, strict=False))))
        except StreetManagerError as error:
            yield Entry(reader.line_num, error)


def read_file(path: Path) -> Iterator[Entry]:
    """Entries from a .json file (messages) or a .csv file (the monthly permit CSV). A file
    that cannot be read gives one entry saying why, after any rows read before the fault."""
    suffix = path.suffix.lower()
    if suffix not in {".json", ".csv"}:
        yield Entry(None, MalformedPermit(_("%(name)s is neither .json nor .csv.", name=path.name)))
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if suffix == ".csv":
                yield from read_csv(handle)
                return
            data = json.load(handle)
    except UnicodeDecodeError:
        yield Entry(None, MalformedPermit(_("%(name)s is not UTF-8 text.", name=path.name)))
        return
    except (json.JSONDecodeError, RecursionError):
        yield Entry(None, MalformedPermit(_("%(name)s is not valid JSON.", name=path.name)))
        return
    except OSError as error:
        yield Entry(
            None,
            MalformedPermit(
                _("%(name)s cannot be read: %(error)s", name=path.name, error=error.strerror)
            ),
        )
        return
    yield from read_messages(data)
