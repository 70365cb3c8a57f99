"""Household business registration numbers (số đăng ký hộ kinh doanh).

The pattern is the one printed on household business certificates since the numbering
rules of the business registration offices (kept by Decree 01/2021/NĐ-CP for the
district-level register): ten characters

    PP D 8 NNNNNN
    |  | | +-- sequence of the household in the district's register (6 digits)
    |  | +---- type code: 8 = household business
    |  +------ the district's letter within its province (A, B, C ...)
    +--------- the province's two-digit code

e.g. ``01A8000123``. motcua's agency codes (mã định danh, Decision 20/2020/QĐ-TTg) give
the province and district: ``H99.01`` is province 99, district 01, whose letter is the
01st of the alphabet (A); districts past the 26th get two letters (27 → AA). The
registering area of a dossier is the district above its receiving unit
(``H99.01.01`` → ``H99.01``).
"""

from __future__ import annotations

import re
import string

TYPE_CODE = "8"
NUMBER_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{1,2}8[0-9]{6}\Z")
AREA_PATTERN = re.compile(r"^[A-Z]([0-9]{2})\.([0-9]{2})")
MAX_SEQUENCE = 999_999


def area_code(unit_code: str) -> str:
    """The registering area (the district's agency code) of a unit: ``H99.01.01`` →
    ``H99.01``. A code that names no district (a commune's ``X..`` code) is its own area."""
    found = AREA_PATTERN.match(unit_code or "")
    if found is None:
        return unit_code
    return found.group(0)


def district_letter(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA ... (a spreadsheet-column style count)."""
    if index < 1:
        raise ValueError("district numbers start at 01")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def number_prefix(area: str) -> str:
    """``PPD8`` for registering area ``area`` (``H99.01`` → ``99A8``)."""
    found = AREA_PATTERN.match(area or "")
    if found is None:
        raise ValueError(f"{area!r} is not a district agency code such as H99.01; "
                         "household businesses are registered by a district.")
    province, district = found.group(1), int(found.group(2))
    return f"{province}{district_letter(district)}{TYPE_CODE}"


def format_number(area: str, sequence: int) -> str:
    """The registration number of the ``sequence``-th household of ``area``."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence {sequence} is outside 1..{MAX_SEQUENCE}")
    return f"{number_prefix(area)}{sequence:06d}"
