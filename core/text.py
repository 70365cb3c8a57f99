"""Text helpers for Vietnamese: diacritics-insensitive comparison.

(Typed dossier codes are normalised by :func:`motcua.core.codes.normalize_code`.)
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str | None) -> str:
    """Lower-case ASCII form for search: "Đăng ký Hộ kinh doanh" -> "dang ky ho kinh doanh"."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("Đ", "D").replace("đ", "d")
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


# Unicode categories no name, address or identifier has a use for: control (Cc), format
# such as zero-width and bidirectional marks (Cf), private use (Co), lone surrogates (Cs),
# unassigned (Cn), and symbols such as emoji and their skin-tone modifiers (So, Sk).
# PostgreSQL, the receipt's font and the SMS gateway each break on some of them.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "So", "Sk"})
_MARKUP = frozenset("<>")


class UnfitText(ValueError):
    """Text a field cannot take; ``str()`` is the reason, translated for the request."""


def clean_line(value: str, *, max_length: int | None = None) -> str:
    """One line of text as it is stored: NFC (so decomposed Vietnamese from some keyboards
    compares and prints like the rest), stripped; raises :class:`UnfitText` on invisible or
    control characters, emoji and other symbols, HTML markup, or more than ``max_length``
    characters."""
    from motcua.core.messages import _

    text = unicodedata.normalize("NFC", value).strip()
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise UnfitText(_("Remove the character %(char)s: only letters, digits, spaces "
                              "and punctuation are accepted.", char=_shown(ch)))
        if ch in _MARKUP:
            raise UnfitText(_("Remove the character %(char)s: only letters, digits, spaces "
                              "and punctuation are accepted.", char=ch))
    if max_length is not None and len(text) > max_length:
        raise UnfitText(_("Enter at most {max} characters.").format(max=max_length))
    return text


def _shown(ch: str) -> str:
    """An invisible character by its code point, a visible one as itself."""
    if unicodedata.category(ch)[0] == "C":
        return f"U+{ord(ch):04X}"
    return ch


def ascii_digits(value: str) -> bool:
    """True if every character is one of 0-9 (``str.isdigit`` and ``\\d`` also accept
    full-width and Arabic-Indic digits, which no register or SMS gateway reads)."""
    return value.isascii() and value.isdigit()


def phone_digits(raw: str | None) -> str:
    """A phone number as national digits ("0912345678") from any way it is written:
    "+84 912 345 678", "84912345678", "0912.345.678", "+84 (0) 912 345 678"."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("84") and len(digits) in (11, 12):
        # "+84 (0) 912..." is common on business cards: keep a single leading zero.
        digits = "0" + digits[2:].removeprefix("0")
    return digits


def name_words(text: str | None) -> list[str]:
    """The words of a name as the search compares them: folded, letters and digits only
    ("Nguyễn Thị A-Lan" -> ["nguyen", "thi", "a", "lan"])."""
    return _WORD.findall(fold(text))
