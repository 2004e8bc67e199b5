"""QR posters and stickers for shop windows: who may print which, what they have brought
in, and the PDFs themselves (fpdf2, the code drawn as vectors from segno's matrix)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import segno
from flask_babel import force_locale, get_locale, gettext, ngettext
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.prefs import ViewerPreferences
from sqlalchemy import func, select

from townhub import RTL_LANGUAGES
from townhub.accounts.models import User
from townhub.accounts.service import may_act_for
from townhub.businesses.models import Business
from townhub.engagement.service import PosterScans, poster_scans
from townhub.extensions import db
from townhub.hubs.models import Hub

SIZES = ("a4", "sticker")

# DejaVu (Debian's fonts-dejavu-core, installed by scripts/setup.sh) prints any name a
# hub or shop is likely to have: Welsh ŵ and ŷ, accents, curly quotes.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"

# Level Q still scans with a quarter of the code lost to glare, dirt or a sun-faded corner.
QR_ERROR = "q"
QUIET_ZONE = 4  # modules of white all round, as the QR standard asks

PT = 25.4 / 72  # millimetres in a point
LEADING = 1.2
INK = (11, 12, 12)
A4_WIDTH, A4_HEIGHT = 210.0, 297.0
MARGIN = 12.0
# The dark part of the code on an A4 poster. A code reads from about ten times its width:
# 120 mm is read from 1.2 m, across a shop window.
A4_SYMBOL_MM = 120.0
STEP_INDENT = 10.0
# Sizes (points) to try for a poster's heading, and the most lines each may take.
HEADING_FITS = ((36, 1), (32, 1), (28, 1), (32, 2), (28, 2), (28, 3))

# Stickers: six to a sheet of A4, in a 2 x 3 grid, each cut out along a dashed outline.
STICKER_COLUMNS, STICKER_ROWS = 2, 3
STICKER_WIDTH, STICKER_HEIGHT = 80.0, 93.0
STICKER_QR_MM = 70.0  # the code with its quiet zone: read from about 60 cm


class BusinessNotFound(LookupError):
    """No business has that id."""


class NotAllowed(PermissionError):
    """This user may not print posters for that business."""


class BusinessNotApproved(LookupError):
    """The business is waiting for approval or hidden: its poster would lead nowhere."""


class UnknownPosterSize(ValueError):
    """The size is not one of SIZES."""


class PosterFontMissing(RuntimeError):
    """The fonts posters are printed in are not installed on this server."""


@dataclass(frozen=True)
class BusinessPosters:
    business: Business
    scans: PosterScans


@dataclass(frozen=True)
class HubPosters:
    hub: Hub
    businesses: list[BusinessPosters]
    # Businesses residents cannot see yet (pending) or any more (hidden): no poster.
    unlisted: int


@dataclass(frozen=True)
class Rect:
    """A filled rectangle on the page, in millimetres from the top left corner."""

    x: float
    y: float
    width: float
    height: float


def hub_posters(hub: Hub, today: date | None = None) -> HubPosters:
    """The hub's approved businesses by name, each with the scans of its posters."""
    businesses = db.session.scalars(
        select(Business)
        .where(Business.hub_id == hub.id, Business.status == "approved")
        .order_by(Business.name)
    )
    unlisted = db.session.scalar(
        select(func.count())
        .select_from(Business)
        .where(Business.hub_id == hub.id, Business.status != "approved")
    )
    scans = poster_scans(hub, today)
    return HubPosters(
        hub=hub,
        businesses=[
            BusinessPosters(business, scans.get(business.slug, PosterScans(0, 0)))
            for business in businesses
        ],
        unlisted=unlisted or 0,
    )


def printable_business(user: User, business_id: int) -> Business:
    """The business, if this user may print its posters: a council admin, one of its hub's
    managers or one of its owners. Raises BusinessNotFound, NotAllowed, BusinessNotApproved.
    """
    business = db.session.get(Business, business_id)
    if business is None:
        raise BusinessNotFound(business_id)
    if not may_act_for(user, business):
        raise NotAllowed(f"user {user.id} may not print posters for business {business_id}")
    if business.status != "approved":
        raise BusinessNotApproved(business_id)
    return business


def hub_poster(hub: Hub, url: str, size: str) -> bytes:
    """A PDF with a QR code to `url`: an A4 poster ("a4") or a sheet of six stickers
    ("sticker"). Raises UnknownPosterSize, PosterFontMissing."""
    _check_size(size)
    with _printable_language() as language:
        heading = gettext("%(hub)s Town Hub", hub=hub.name)
        return _render(_words(hub, str(heading)), url, size, language)


def business_poster(business: Business, url: str, size: str) -> bytes:
    """A business's PDF poster or sticker sheet with a QR code to `url` (the hub with the
    business's `?ref=`). Raises UnknownPosterSize, PosterFontMissing."""
    _check_size(size)
    with _printable_language() as language:
        heading = gettext(
            "%(business)s is on %(hub)s Town Hub", business=business.name, hub=business.hub.name
        )
        return _render(_words(business.hub, str(heading)), url, size, language)


def sensor_stickers(hub: Hub, sensor_name: str, url: str) -> bytes:
    """Six stickers for a sensor's lamp column, with a QR code to its public page."""
    with _printable_language() as language:
        heading = gettext("About the people counter: %(name)s", name=sensor_name)
        words = _words(hub, str(heading))
        label = gettext("People counter: no cameras, no phone ids. Scan to read more.")
        return _render(replace(words, sticker_label=str(label)), url, "sticker", language)


def qr_code(url: str) -> segno.QRCode:
    """The poster's QR code for `url`: never a Micro QR, which phone cameras do not read."""
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_rects(matrix: Sequence[Sequence[int]], x: float, y: float, size: float) -> list[Rect]:
    """The rectangles that draw a QR matrix in a `size` mm square at (x, y), quiet zone
    included: one rectangle per run of dark modules in a row."""
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    rects = []
    for row_number, row in enumerate(matrix):
        column = 0
        for dark, run in itertools.groupby(row, key=bool):
            length = len(list(run))
            if dark:
                rects.append(
                    Rect(
                        x + (QUIET_ZONE + column) * module,
                        y + (QUIET_ZONE + row_number) * module,
                        length * module,
                        module,
                    )
                )
            column += length
    return rects


def _check_size(size: str) -> None:
    if size not in SIZES:
        raise UnknownPosterSize(size)


@contextmanager
def _printable_language() -> Iterator[str]:
    """The language to print in: the manager's, unless it is written right to left."""
    language = str(get_locale() or "en")
    if language.split("_")[0] in RTL_LANGUAGES:
        # Without a text shaper (HarfBuzz) fpdf2 would print Arabic script with its
        # letters unjoined and left to right: such posters are in English for now.
        with force_locale("en"):
            yield "en"
    else:
        yield language


@dataclass(frozen=True)
class _Words:
    heading: str
    tagline: str
    url_label: str
    steps_heading: str
    steps: tuple[str, ...]
    privacy: str
    sticker_label: str
    a4_subject: str
    sticker_subject: str


def _words(hub: Hub, heading: str) -> _Words:
    home = gettext("%(hub)s Town Hub", hub=hub.name)
    return _Words(
        heading=heading,
        tagline=str(gettext("Shops, offers, events and travel news for %(hub)s.", hub=hub.name)),
        url_label=str(gettext("No camera? Type this address into your web browser:")),
        steps_heading=str(gettext("Add it to your phone")),
        steps=(
            str(gettext("Point your phone’s camera at the code and tap the link.")),
            str(gettext("%(home)s opens in your web browser.", home=home)),
            str(
                gettext(
                    "Keep it on your home screen. Android: tap the menu ⋮, then “Install app” "
                    "or “Add to Home screen”. iPhone: tap Share, then “Add to Home Screen”."
                )
            ),
        ),
        privacy=str(gettext("No account, no tracking: we count visits, never who you are.")),
        sticker_label=str(gettext("Scan for %(home)s", home=home)),
        a4_subject=str(gettext("A4 poster")),
        sticker_subject=str(ngettext("%(num)d sticker", "%(num)d stickers", 6)),
    )


def _render(words: _Words, url: str, size: str, language: str) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    for style, name in FONT_FILES.items():
        path = FONT_DIR / name
        if not path.is_file():
            raise PosterFontMissing(
                f"{path} is missing: install the Debian package fonts-dejavu-core "
                "(scripts/setup.sh does) to print posters."
            )
        pdf.add_font(FONT, style, str(path))
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_title(words.heading)
    pdf.set_subject(words.a4_subject if size == "a4" else words.sticker_subject)
    pdf.set_author("Townhub")
    pdf.set_creator("Townhub")
    pdf.set_lang(language)
    # Asks the viewer to print at 100%: a shrunk code is harder to scan from the pavement.
    pdf.viewer_preferences = ViewerPreferences(print_scaling="None", display_doc_title=True)
    pdf.set_text_color(*INK)
    pdf.add_page()
    matrix = qr_code(url).matrix
    if size == "a4":
        _draw_a4(pdf, words, url, matrix)
    else:
        _draw_stickers(pdf, words, url, matrix)
    return bytes(pdf.output())


@dataclass(frozen=True)
class _Text:
    lines: list[str]
    size: float  # points
    bold: bool

    @property
    def line_height(self) -> float:
        return self.size * PT * LEADING

    @property
    def height(self) -> float:
        return len(self.lines) * self.line_height


def _wrap(
    pdf: FPDF, text: str, width: float, size: float, *, bold: bool = False, max_lines: int = 0
) -> _Text:
    """The text in lines of `width` mm; beyond `max_lines` (if given), cut short with "…"."""
    pdf.set_font(FONT, "B" if bold else "", size)
    wrapped = pdf.multi_cell(width, text=text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(wrapped, list)  # what output=LINES returns
    lines = [str(line) for line in wrapped]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdf.get_string_width(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return _Text(lines, size, bold)


def _wrap_address(pdf: FPDF, url: str, width: float, size: float, *, bold: bool = False) -> _Text:
    """The web address in lines of `width` mm, broken after a "/", "?" or "&" where it can
    be, so that what people type reads in sensible pieces."""
    pdf.set_font(FONT, "B" if bold else "", size)
    lines = [""]
    for piece in re.findall(r"[^/?&]*[/?&]?", url):
        if pdf.get_string_width(lines[-1] + piece) <= width:
            lines[-1] += piece
            continue
        lines.append("")
        for character in piece:  # a piece wider than the line: break it anywhere
            if pdf.get_string_width(lines[-1] + character) > width:
                lines.append("")
            lines[-1] += character
    return _Text([line for line in lines if line], size, bold)


def _heading(pdf: FPDF, text: str, width: float) -> _Text:
    """The heading as large as fits on one line, else in as few lines as fit, never below
    28 pt; a name too long for four lines is cut short."""
    for size, max_lines in HEADING_FITS:
        heading = _wrap(pdf, text, width, size, bold=True)
        if len(heading.lines) <= max_lines:
            return heading
    return _wrap(pdf, text, width, HEADING_FITS[-1][0], bold=True, max_lines=4)


def _write(pdf: FPDF, text: _Text, x: float, y: float, width: float, align: str = "C") -> float:
    """Print the lines from (x, y); the y below them."""
    pdf.set_font(FONT, "B" if text.bold else "", text.size)
    for line in text.lines:
        pdf.set_xy(x, y)
        pdf.cell(width, text.line_height, line, align=align)
        y += text.line_height
    return y


def _draw_qr(pdf: FPDF, rects: list[Rect]) -> None:
    pdf.set_fill_color(0, 0, 0)
    for rect in rects:
        pdf.rect(rect.x, rect.y, rect.width, rect.height, style="F")


def _draw_a4(pdf: FPDF, words: _Words, url: str, matrix: Sequence[Sequence[int]]) -> None:
    """Heading and tagline at the top, the code and its address in the middle, how to add
    it to a phone and what is (not) kept at the bottom."""
    width = A4_WIDTH - 2 * MARGIN
    heading = _heading(pdf, words.heading, width)
    tagline = _wrap(pdf, words.tagline, width, 16, max_lines=2)
    url_label = _wrap(pdf, words.url_label, width, 16)
    address = _wrap_address(pdf, url, width, 16, bold=True)
    steps_heading = _wrap(pdf, words.steps_heading, width, 20, bold=True)
    steps = [_wrap(pdf, step, width - STEP_INDENT, 16) for step in words.steps]
    privacy = _wrap(pdf, words.privacy, width, 16)

    gap = 3.0
    lower = steps_heading.height + sum(s.height + gap for s in steps) + gap + privacy.height
    y = _write(pdf, heading, MARGIN, MARGIN, width)
    y = _write(pdf, tagline, MARGIN, y + gap, width)
    room = A4_HEIGHT - MARGIN - lower - 2 * gap - url_label.height - address.height - y
    box = min(A4_SYMBOL_MM * (len(matrix) + 2 * QUIET_ZONE) / len(matrix), width, room)
    y += (room - box) / 2
    _draw_qr(pdf, qr_rects(matrix, (A4_WIDTH - box) / 2, y, box))
    y = _write(pdf, url_label, MARGIN, y + box, width)
    _write(pdf, address, MARGIN, y, width)

    y = _write(pdf, steps_heading, MARGIN, A4_HEIGHT - MARGIN - lower, width, "L")
    for number, step in enumerate(steps, start=1):
        pdf.set_font(FONT, "B", step.size)
        pdf.set_xy(MARGIN, y + gap)
        pdf.cell(STEP_INDENT, step.line_height, f"{number}.")
        y = _write(pdf, step, MARGIN + STEP_INDENT, y + gap, width - STEP_INDENT, "L")
    _write(pdf, privacy, MARGIN, y + gap, width, "L")


def _draw_stickers(pdf: FPDF, words: _Words, url: str, matrix: Sequence[Sequence[int]]) -> None:
    """Six stickers, each a 70 mm code with the hub's name and address under it, inside a
    dashed outline to cut along."""
    label = _wrap(pdf, words.sticker_label, STICKER_QR_MM, 12, bold=True, max_lines=2)
    address = _wrap_address(pdf, url, STICKER_QR_MM, 8)
    cell_width, cell_height = A4_WIDTH / STICKER_COLUMNS, A4_HEIGHT / STICKER_ROWS
    for row, column in itertools.product(range(STICKER_ROWS), range(STICKER_COLUMNS)):
        x = column * cell_width + (cell_width - STICKER_WIDTH) / 2
        y = row * cell_height + (cell_height - STICKER_HEIGHT) / 2
        pdf.set_draw_color(150, 150, 150)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.rect(
            x, y, STICKER_WIDTH, STICKER_HEIGHT, style="D", round_corners=True, corner_radius=3
        )
        pdf.set_dash_pattern()
        qr_left = x + (STICKER_WIDTH - STICKER_QR_MM) / 2
        _draw_qr(pdf, qr_rects(matrix, qr_left, y + 2, STICKER_QR_MM))
        below = _write(pdf, label, qr_left, y + 2 + STICKER_QR_MM, STICKER_QR_MM)
        # A long address would crowd the sticker; the poster prints it in full.
        if len(address.lines) <= 2:
            _write(pdf, address, qr_left, below + 0.5, STICKER_QR_MM)
