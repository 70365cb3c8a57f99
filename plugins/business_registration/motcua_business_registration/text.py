"""Comparing business names the way the register must: without diacritics, case or
extra spaces ("Tạp hóa Bình An" and "tap hoa  binh an" are the same name)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """``text`` lower-cased, without diacritics (đ becomes d) and with single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return _SPACES.sub(" ", bare).strip().casefold()


def tidy(text: str | None) -> str:
    """``text`` in NFC with single spaces, as stored and printed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()
