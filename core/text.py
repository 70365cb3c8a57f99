"""Text helpers for Vietnamese: diacritics-insensitive comparison and code normalisation."""

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


def normalize_code(raw: str | None) -> str:
    """Canonical dossier code from what a person or a scanner typed.

    Upper-cases, drops spaces and control characters, and accepts the Vietnamese
    keyboard's dashes; the result may still be invalid (see ``motcua.core.codes``).
    """
    if not raw:
        return ""
    text = unicodedata.normalize("NFKC", raw)
    text = text.replace("–", "-").replace("—", "-").replace("_", "-")
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C")
    return text.upper()


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
