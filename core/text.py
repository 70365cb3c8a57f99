"""Text helpers for Vietnamese: diacritics-insensitive comparison and code normalisation."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


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
