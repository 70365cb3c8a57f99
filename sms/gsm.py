"""GSM 03.38 (GSM-7) text for SMS: transliteration, length in septets, splitting.

A single SMS carries 160 GSM-7 septets; a concatenated one carries 153 per part because the
User Data Header (6 octets) takes 7 septets. Characters of the extension table (``^{}[]~|\\€``
and form feed) are sent as ESC + character and count two septets; a part never ends
between the escape and its character.
"""

from __future__ import annotations

import unicodedata

from unidecode import unidecode

SINGLE_LIMIT = 160
PART_LIMIT = 153
MAX_PARTS = 255  # the UDH part counter is one octet

# The basic character set (GSM 03.38 default alphabet), one septet each.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: ESC + character, two septets each.
EXTENDED = frozenset("\f^{}\\[~]|€")


class NotGsm7(ValueError):
    """The text holds a character outside GSM-7."""


def char_septets(char: str) -> int:
    """Septets ``char`` takes: 1 (basic), 2 (extension table); :class:`NotGsm7` otherwise."""
    if char in BASIC:
        return 1
    if char in EXTENDED:
        return 2
    raise NotGsm7(f"{char!r} is not a GSM-7 character")


def septets(text: str) -> int:
    """Length of ``text`` in GSM-7 septets (extension characters count double)."""
    return sum(char_septets(char) for char in text)


def to_gsm7(text: str) -> str:
    """Vietnamese (or any) text as plain GSM-7: diacritics removed, "Đ" -> "D".

    unidecode gives ASCII; the few ASCII characters GSM-7 lacks (the backtick) are
    replaced, and control characters other than newline become spaces.
    """
    text = unicodedata.normalize("NFC", text).replace("Đ", "D").replace("đ", "d")
    ascii_text = unidecode(text).replace("`", "'")
    return "".join(ch if (ch in BASIC or ch in EXTENDED) else " " for ch in ascii_text)


def split(text: str) -> list[str]:
    """``text`` as the parts of one SMS: one part if it fits 160 septets, else parts of at
    most 153 septets each, cut after a space when one is near so words stay whole.
    Joining the parts gives ``text`` back exactly."""
    if septets(text) <= SINGLE_LIMIT:
        return [text]
    parts: list[str] = []
    rest = text
    while rest:
        used = end = 0
        for index, char in enumerate(rest):
            size = char_septets(char)
            if used + size > PART_LIMIT:
                break
            used += size
            end = index + 1
        if end < len(rest):
            cut = rest.rfind(" ", 0, end)
            if cut > 0 and cut >= end - 30:
                end = cut + 1
        parts.append(rest[:end])
        rest = rest[end:]
    if len(parts) > MAX_PARTS:
        raise ValueError("text too long for one concatenated SMS")
    return parts
