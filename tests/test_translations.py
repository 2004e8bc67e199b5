"""Welsh and Urdu are complete: every string in the code has a checked translation, the
compiled catalogues match their sources, and pages come out in the chosen language.

When a test here fails after a change to the English, run `scripts/translations` and
translate the new or fuzzy entries in townhub/translations/*/LC_MESSAGES/messages.po."""

from __future__ import annotations

import html
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, ngettext

from tests.factories import make_hub

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "townhub" / "translations"
LANGUAGES = ("cy", "ur")
# As in scripts/translations: lazy_gettext as _l besides the standard gettext names.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "lazy_ngettext:1,2"])}
# CLDR's plural categories as gettext forms: Welsh zero, one, two, few, many, other.
PLURAL_FORMS = {"cy": 6, "ur": 2}
# A %(name)s placeholder, a literal %%, or a lone % that would break %-formatting.
PERCENT = re.compile(r"%\((\w+)\)[a-z]|%%|%")


def _po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _read(language: str) -> Catalog:
    with _po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _in_code() -> Catalog:
    """Every message the code marks for translation now, extracted as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def _placeholders(text: str) -> tuple[set[str], int]:
    """The named placeholders in a string, and how many lone % signs it has."""
    names, lone = set(), 0
    for match in PERCENT.finditer(text):
        if match.group(1):
            names.add(match.group(1))
        elif match.group(0) == "%":
            lone += 1
    return names, lone


def _where(message: Message) -> str:
    return f"{message.id!r} ({', '.join(sorted({path for path, _ in message.locations}))})"


@pytest.fixture(scope="module")
def in_code() -> Catalog:
    return _in_code()


def test_babel_cfg_finds_the_python_and_the_template_strings(in_code: Catalog) -> None:
    files = {path for message in in_code if message.id for path, _ in message.locations}

    assert any(path.endswith(".py") for path in files)
    assert any(path.endswith(".html") for path in files)
    assert "Skip to main content" in in_code  # templates/layouts/base.html
    assert "Open now" in in_code  # a lazy_gettext form label


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_message_in_the_code(language: str, in_code: Catalog) -> None:
    catalogue = _read(language)
    missing = []
    for message in in_code:
        if not message.id:
            continue
        entry = catalogue.get(message.id, message.context)
        if entry is None or entry.id != message.id:
            missing.append(_where(message))

    assert not missing, (
        f"{len(missing)} message(s) not in the {language} catalogue; run scripts/translations "
        "and translate them:\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_keeps_its_placeholders(language: str) -> None:
    catalogue = _read(language)
    problems = [
        f"{message.id!r}: {error}" for message, errors in catalogue.check() for error in errors
    ]
    assert catalogue.num_plurals == PLURAL_FORMS[language]
    assert not catalogue.fuzzy, "the catalogue's header is marked fuzzy"
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(_placeholders(msgid)[0] for msgid in ids))
        if message.fuzzy:
            problems.append(f"{message.id!r}: fuzzy; check the translation, then unmark it")
        if len(strings) != (catalogue.num_plurals if message.pluralizable else 1):
            problems.append(f"{message.id!r}: wrong number of plural forms")
        for string in strings:
            names, lone = _placeholders(string or "")
            if not string:
                problems.append(f"{message.id!r}: not translated")
            elif names != wanted:
                problems.append(f"{message.id!r}: placeholders {sorted(names)} in {string!r}")
            elif lone:
                problems.append(f"{message.id!r}: a lone % in {string!r} (write %% for a %)")

    assert not problems, f"{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    compiled = _po_path(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run scripts/translations compile"
    expected = BytesIO()
    write_mo(expected, _read(language))

    up_to_date = compiled.read_bytes() == expected.getvalue()

    assert up_to_date, f"{compiled} does not match its .po: run scripts/translations compile"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_the_catalogue(app: Flask, language: str) -> None:
    entry = _read(language).get(("%(count)s business", "%(count)s businesses"))
    assert entry is not None
    counts = {"cy": (0, 1, 2, 3, 6, 7), "ur": (1, 2)}[language]

    with app.test_request_context(), force_locale(language):
        shown = [ngettext(*entry.id, n, count=n) for n in counts]

    assert shown == [form % {"count": n} for form, n in zip(entry.string, counts, strict=True)]


@pytest.mark.parametrize(
    ("language", "direction", "skip_link"),
    [("cy", "ltr", "Neidio i'r prif gynnwys"), ("ur", "rtl", "مرکزی مواد پر جائیں")],
)
def test_page_comes_in_the_language_chosen(
    client: FlaskClient, language: str, direction: str, skip_link: str
) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    client.set_cookie("lang", language)

    page = html.unescape(client.get("/south-norwood/").get_data(as_text=True))

    assert f'<html lang="{language}" dir="{direction}">' in page
    assert skip_link in page
    assert "Skip to main content" not in page
    assert "South Norwood" in page  # place names stay as they are


def test_browser_language_is_used_without_a_cookie(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "cy, en;q=0.5"}).get_data(as_text=True)

    assert '<html lang="cy" dir="ltr">' in page
    assert "Dewiswch eich stryd fawr" in page


def test_choosing_a_language_sets_the_cookie_and_goes_back(client: FlaskClient) -> None:
    response = client.get("/language/ur?next=/south-norwood/")

    assert response.status_code == 303
    assert response.headers["Location"] == "/south-norwood/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "ur"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "evil"])
def test_choosing_a_language_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    response = client.get("/language/cy", query_string={"next": target})

    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_language_townhub_lacks_is_not_found(client: FlaskClient) -> None:
    assert client.get("/language/fr?next=/").status_code == 404
