"""Checks every HTML page must pass: one h1, a title starting with it, lang, unique ids,
every form control labelled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class PageFacts:
    lang: str | None = None
    dir: str | None = None
    title: str = ""
    h1s: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    label_fors: set[str] = field(default_factory=set)
    controls: list[_Element] = field(default_factory=list)
    wrapped_controls: set[int] = field(default_factory=set)
    script_srcs: list[str] = field(default_factory=list)
    inline_scripts: int = 0


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._capture: str | None = None
        self._buffer: list[str] = []
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.facts.lang = values.get("lang")
            self.facts.dir = values.get("dir")
        if "id" in values:
            self.facts.ids.append(values["id"])
        if tag in {"title", "h1"}:
            self._capture, self._buffer = tag, []
        if tag == "label":
            self._label_depth += 1
            if "for" in values:
                self.facts.label_fors.add(values["for"])
        if (
            tag in {"input", "select", "textarea"}
            and values.get("type", "text") not in UNLABELLED_TYPES
        ):
            self.facts.controls.append(_Element(tag, values))
            if self._label_depth:
                self.facts.wrapped_controls.add(len(self.facts.controls) - 1)
        if tag == "script":
            if "src" in values:
                self.facts.script_srcs.append(values["src"])
            elif values.get("type") not in {"application/ld+json", "application/json"}:
                # Data blocks are never run, so the CSP allows them.
                self.facts.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if tag == self._capture:
            text = " ".join("".join(self._buffer).split())
            if tag == "title":
                # The document's title comes first; later ones name SVG charts.
                self.facts.title = self.facts.title or text
            else:
                self.facts.h1s.append(text)
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._buffer.append(data)


def page_facts(html: str) -> PageFacts:
    parser = _Parser()
    parser.feed(html)
    return parser.facts


def page_problems(html: str) -> list[str]:
    """Everything wrong with a full HTML page, as readable sentences (empty when fine)."""
    facts = page_facts(html)
    problems = []
    if not facts.lang:
        problems.append("<html> has no lang")
    if facts.dir not in {"ltr", "rtl"}:
        problems.append("<html> has no dir")
    if len(facts.h1s) != 1:
        problems.append(f"expected one <h1>, found {len(facts.h1s)}: {facts.h1s}")
    elif not facts.title.removeprefix("Error: ").startswith(facts.h1s[0]):
        problems.append(f"<title> {facts.title!r} does not start with the h1 {facts.h1s[0]!r}")
    duplicates = sorted({i for i in facts.ids if facts.ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    for index, control in enumerate(facts.controls):
        labelled = (
            control.attrs.get("id") in facts.label_fors
            or control.attrs.get("aria-label")
            or control.attrs.get("aria-labelledby")
            or index in facts.wrapped_controls
        )
        if not labelled:
            problems.append(f"unlabelled <{control.tag}> {control.attrs}")
    if facts.inline_scripts:
        problems.append(f"{facts.inline_scripts} inline <script> blocks (the CSP forbids them)")
    for src in facts.script_srcs:
        if src.startswith(("http:", "https:", "//")):
            problems.append(f"third-party script {src}")
    return problems


def card_titles(page: str) -> list[str]:
    """The linked titles of the cards on a page (offers, events, businesses), in order."""
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', page)
