"""Text helpers for Vietnamese: diacritics-insensitive comparison.

(Typed dossier codes are normalised by :func:`motcua.core.codes.normalize_code`.)
"""

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
