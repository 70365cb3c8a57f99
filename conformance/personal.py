"""Finding an applicant's personal data in text, whatever its spelling: the phone in
its +84, 84 and 0 forms with spaces, dots or dashes; names, addresses and organisations
without diacritics or case; the citizen ID and e-mail however they are cut up.

What counts as a match (and what does not, to spare false alarms):

- phone: the 9 digits after the trunk prefix (``0`` or ``84``), in one run of digits and
  separators (``+84 912 345 678``, ``0912.345.678``, ``84-912-345-678``);
- citizen ID: its 12 digits in one run of digits and separators;
- e-mail: the whole address, and its local part (before ``@``, 6 characters or more);
- name: the whole name, and the name without its family name when it has three words
  or more (``Văn An`` of ``Nguyễn Văn An``). A given name alone is not matched: ``An``
  and ``Bình`` are ordinary words (``Tạp hóa Bình An`` is a shop, not its owner);
- address: the whole address and its first part (the house number and street, before
  the first comma) when it holds a number and two words or more. The ward and city are
  public facts (the unit that handles the dossier), never matched alone;
- organisation: its whole name.

Words are compared folded (:func:`fold`): Vietnamese letters without their marks,
lower case, every run of other characters one space, so ``NGUYEN-VAN-AN`` and
``Nguyễn Văn An`` match and ``Annam`` does not match ``An``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from unidecode import unidecode

# A run of digits with the separators people write numbers with (``+84 (0) 912.345-678``).
DIGIT_RUN = re.compile(r"\+?\d[\d\s.\-()/]*\d")
NOT_WORD = re.compile(r"[^a-z0-9]+")
MIN_EMAIL_LOCAL = 6


def fold(text: str) -> str:
    """``text`` as words are compared: HTML entities decoded, diacritics dropped, lower
    case, runs of anything but letters and digits a single space, padded with spaces (so
    ``" an "`` in it is the word, not a part of one)."""
    plain = unidecode(html.unescape(text)).lower()
    return f" {NOT_WORD.sub(' ', plain).strip()} "


def digit_runs(text: str) -> list[str]:
    """The digits of every run of digits and separators in ``text``."""
    return [re.sub(r"\D", "", run) for run in DIGIT_RUN.findall(html.unescape(text))]


def national_number(phone: str) -> str:
    """A Vietnamese phone's digits after its trunk prefix (``0`` or country code ``84``):
    ``+84 912 345 678``, ``84912345678`` and ``0912345678`` all give ``912345678``."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84") and len(digits) > 10:
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


@dataclass(frozen=True)
class Needle:
    """One spelling of one item of personal data: ``words`` is matched as folded words,
    ``digits`` in a run of digits."""

    what: str  # "name", "phone" ...: what the finding names
    words: str = ""
    digits: str = ""

    @property
    def kind(self) -> str:
        """The item it spells (``name`` for ``name (without the family name)``)."""
        return self.what.split(" (")[0]

    def found_in(self, folded: str, runs: list[str]) -> bool:
        if self.digits:
            return any(self.digits in run for run in runs)
        return f" {self.words} " in folded


def _words(text: str) -> str:
    return fold(text).strip()


def needles(*, name: str | None = None, phone: str | None = None,
            citizen_id: str | None = None, email: str | None = None,
            address: str | None = None, organization: str | None = None) -> list[Needle]:
    """Every spelling of one applicant's personal data that must not be shown (see the
    module doc for what counts)."""
    found: list[Needle] = []
    if name and _words(name):
        found.append(Needle("name", words=_words(name)))
        parts = _words(name).split()
        if len(parts) >= 3:
            found.append(Needle("name (without the family name)", words=" ".join(parts[1:])))
    if phone and len(national_number(phone)) >= 8:
        found.append(Needle("phone", digits=national_number(phone)))
    if citizen_id and len(re.sub(r"\D", "", citizen_id)) >= 9:
        found.append(Needle("citizen ID", digits=re.sub(r"\D", "", citizen_id)))
    if email and "@" in email:
        found.append(Needle("e-mail", words=_words(email)))
        local = email.split("@", 1)[0]
        if len(local) >= MIN_EMAIL_LOCAL:
            found.append(Needle("e-mail (its name part)", words=_words(local)))
    if address and _words(address):
        found.append(Needle("address", words=_words(address)))
        street = _words(address.split(",", 1)[0])
        if "," in address and re.search(r"\d", street) and len(street.split()) >= 2:
            found.append(Needle("address (house and street)", words=street))
    if organization and _words(organization):
        found.append(Needle("organisation", words=_words(organization)))
    return found


def leaked(text: str, wanted: list[Needle]) -> list[str]:
    """What of ``wanted`` ``text`` shows: each item once, by the first of its spellings
    found (the whole before a part, as :func:`needles` lists them)."""
    folded, runs = fold(text), digit_runs(text)
    shown: dict[str, str] = {}  # kind -> the first spelling found
    for needle in wanted:
        if needle.kind not in shown and needle.found_in(folded, runs):
            shown[needle.kind] = needle.what
    return list(shown.values())


__all__ = ["Needle", "digit_runs", "fold", "leaked", "national_number", "needles"]
