"""Walk the Vietnamese UI as an officer does and collect every English or raw text it shows.

Generic on purpose: the pages are the app's URL map (parameters filled with the world's
dossier, procedure and unit codes) and whatever they link to; the forms are the ones those
pages carry, each sent empty and with bad values. What counts as English is the catalogue
itself: a msgid whose translation differs, shown verbatim. What counts as a raw field name
is a snake_case word (``collected_by``), which no Vietnamese sentence contains.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Map

import motcua.core

CATALOGUE = Path(motcua.core.__file__).parent / "translations" / "vi" / "LC_MESSAGES"
SNAKE_CASE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_.]*")
LABEL_ELEMENTS = {"dt", "th", "label", "legend"}
# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# Paths that are not pages of the officer's UI, or that would end the walk (log out, switch
# the language away from Vietnamese).
SKIPPED_PREFIXES = ("/api/", "/sync/v1/", "/sms/", "/lang/", "/logout", "/kiosk/ngon-ngu/")
VOID_ELEMENTS = {"input", "img", "br", "hr", "meta", "link", "source", "wbr", "area", "col"}
BAD_TEXT = "😀 <b>x</b>"
BAD_VALUES = {"number": "abc", "date": "2026-13-45", "time": "25:99", "email": "khong-phai-email",
              "tel": "０９１２"}


def english_pattern() -> re.Pattern:
    """Every English source string of the catalogue whose Vietnamese differs, as whole
    words (placeholders and markup stay out: they are never shown verbatim)."""
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="vi")
    sources, vietnamese = set(), []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (
                message.string,)
            vietnamese += strings
    vietnamese_text = "\n".join(vietnamese)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source in ids:
            if source in strings or "%(" in source or "{" in source or "<" in source:
                continue
            # "In" (print), "Email", "SMS": words the Vietnamese texts use themselves.
            used = re.search(rf"(?<!\w){re.escape(source)}(?!\w)", vietnamese_text)
            if re.search(r"[A-Za-z]{2}", source) and not used:
                sources.add(source)
    alternatives = "|".join(re.escape(s) for s in sorted(sources, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict] = field(default_factory=list)


class PageParser(HTMLParser):
    """The text a person reads, the links and the forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._skip: list[str] = []  # open elements whose text nobody reads as UI
        self._opened = ""
        self.headings: list[str] = []  # texts of label cells (dt, th, label)
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        attrs = {name: value or "" for name, value in attrs}
        self._opened = tag
        data = attrs.get("translate") == "no"  # HTML's mark of data, such as a log's codes
        if tag in ("script", "style") or (data and tag not in VOID_ELEMENTS):
            self._skip.append(tag)
        if not data:
            self.texts += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs.get("method", "get").lower()))
        elif self.forms and tag in ("input", "textarea", "button") and attrs.get("name"):
            kind = attrs.get("type", "text" if tag != "button" else "submit").lower()
            self.forms[-1].fields.append({"name": attrs["name"], "type": kind,
                                          "value": attrs.get("value", "")})
            if tag == "input" and kind in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        elif self.forms and tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "type": "select", "value": None}
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None and self._select["value"] is None:
            self._select["value"] = attrs.get("value", "")

    def handle_endtag(self, tag):  # noqa: ANN001
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
        elif tag == "select":
            self._select = None

    def handle_data(self, data):  # noqa: ANN001
        if not self._skip and data.strip():
            self.texts.append(data)
            if self._opened in LABEL_ELEMENTS:
                self.headings.append(data.strip())
        self._opened = ""


@dataclass
class Walk:
    """What one officer saw: the problems, and the pages and forms that were tried."""

    english: re.Pattern
    problems: list[str] = field(default_factory=list)
    pages: set[str] = field(default_factory=set)
    forms: int = 0

    def check(self, where: str, html: str, fields: tuple[str, ...] = ()) -> PageParser:
        """Record the English and the raw field names of a page; ``fields`` are the names
        of the inputs of the form that was just sent (``reason``), which its messages must
        call by their labels."""
        parser = PageParser()
        parser.feed(html)
        named = re.compile(rf"(?<![\w.])(?:{'|'.join(map(re.escape, fields))})(?![\w])"
                           ) if fields else None
        # A label that is a bare lower-case word is a key of the data (``number``).
        self.problems += [f"{where}: raw key {text!r} as a label" for text in parser.headings
                          if IDENTIFIER.fullmatch(text)]
        for text in parser.texts:
            for found in named.findall(text) if named else ():
                self.problems.append(f"{where}: field name {found!r} in {text.strip()[:120]!r}")
            for found in self.english.findall(text):
                self.problems.append(f"{where}: English {found!r} in {text.strip()[:120]!r}")
            for found in SNAKE_CASE.findall(text):
                self.problems.append(f"{where}: raw field {found!r} in {text.strip()[:120]!r}")
        return parser


def seed_urls(url_map: Map, values: list[str]) -> list[str]:
    """A URL of every GET rule: without parameters as it is, with parameters once per value
    of the world (a dossier, procedure or unit code; ids are the first rows')."""
    urls = []
    for rule in url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        candidates = [{}]
        for argument in sorted(rule.arguments - set(rule.defaults or ())):
            candidates = [{**c, argument: v} for c in candidates for v in [*values, 1, 2]]
        for arguments in candidates:
            try:
                urls.append(rule.build(arguments, append_unknown=False)[1])
            except (ValueError, TypeError):  # a value the rule's converter refuses
                continue
    return urls


def _key(url: str) -> tuple:
    """Pages that differ only in their parameter values are one page for the walk."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted(k for k, _ in parse_qsl(parts.query)))


def walk(client, seeds: list[str], english: re.Pattern, *, skip=lambda url: False,  # noqa: ANN001
         limit: int = 400) -> Walk:
    """Visit ``seeds`` and the app's pages they link to (but those ``skip`` names), then
    send each form once empty and once with bad values; every HTML answer is checked."""
    result = Walk(english)
    queue, seen, tried_forms = deque(seeds), set(), set()
    while queue and len(result.pages) < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(
                SKIPPED_PREFIXES) or _key(url) in seen or skip(url):
            continue
        seen.add(_key(url))
        response = client.get(url)
        response.close()  # a streamed download (an export) ends its request here
        if response.mimetype != "text/html" or response.status_code >= 500:
            if response.status_code >= 500:
                result.problems.append(f"GET {url}: {response.status_code}")
            continue
        parser = result.check(f"GET {url}", response.get_data(as_text=True))
        if response.status_code == 404:  # a code this route does not take: checked, no page
            continue
        result.pages.add(url)
        queue.extend(link for link in parser.links if not link.startswith("#"))
        for form in parser.forms:
            action = form.action or url
            key = _form_key(form, url)
            if urlsplit(action).path.startswith(SKIPPED_PREFIXES) or key in tried_forms or (
                    skip(action)):
                continue
            tried_forms.add(key)
            for fill in (_empty, _bad):
                # Read the form again: a form sent before may have changed the page's
                # hidden values (a dossier's version) or taken the form away.
                form = _fresh(client, url, key)
                if form is None:
                    break
                result.forms += 1
                _send(client, result, form, action, fill(form))
    return result


def _form_key(form: Form, url: str) -> tuple:
    return (_key(form.action or url), form.method, tuple(f["name"] for f in form.fields))


def _fresh(client, url: str, key: tuple) -> Form | None:  # noqa: ANN001
    parser = PageParser()
    parser.feed(client.get(url).get_data(as_text=True))
    return next((form for form in parser.forms if _form_key(form, url) == key), None)


def _empty(form: Form) -> list[tuple[str, str]]:
    return [(f["name"], f["value"] if f["type"] in ("hidden", "submit") else "")
            for f in form.fields if f["type"] not in ("checkbox", "radio", "file")]


def _bad(form: Form) -> list[tuple[str, str]]:
    values = []
    for f in form.fields:
        if f["type"] in ("hidden", "submit", "select"):
            values.append((f["name"], f["value"] or ""))
        elif f["type"] not in ("checkbox", "radio", "file"):
            values.append((f["name"], BAD_VALUES.get(f["type"], BAD_TEXT)))
    return values


def _send(client, result: Walk, form: Form, action: str,  # noqa: ANN001
          filled: list[tuple[str, str]]) -> None:
    # One submit button (the first) as a browser sends it; the other fields as filled.
    submits = [pair for pair, f in zip(filled, [f for f in form.fields if f["type"] not in (
        "checkbox", "radio", "file")], strict=True) if f["type"] == "submit"]
    data = [pair for pair in filled if pair not in submits[1:]]
    if form.method == "post":
        response = client.post(action, data=MultiDict(data))
    else:
        base = urlsplit(action)
        response = client.get(f"{base.path}?{urlencode(data)}")
    where = f"{form.method.upper()} {action} {dict(data)}"
    if response.status_code >= 500:
        result.problems.append(f"{where}: {response.status_code}")
    elif response.mimetype == "text/html":
        typed = tuple(f["name"] for f in form.fields
                      if f["type"] not in ("hidden", "submit", "button") and len(f["name"]) > 2)
        result.check(where, response.get_data(as_text=True), typed)
