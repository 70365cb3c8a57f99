"""The password policy every way of setting a password asks (docs/security.md).

Long enough, not one of the 10,000 most common passwords (a vendored list, see
``data/passwords``), not such a password with digits or signs added at the end
(``password2026!``), and not containing the username or the unit's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from motcua.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 8
# Shorter names match inside too many good passwords to be worth refusing.
MIN_NAME_LENGTH = 3
_TRAILING_DIGITS_AND_SIGNS = re.compile(r"[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The vendored list of common passwords, lower case."""
    text = files("motcua.core").joinpath("data/passwords/common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def fold(text: str) -> str:
    """``text`` lower case without accents, spaces or signs: "Tây Ninh" -> "tayninh"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if ch.isalnum() and ch.isascii()).lower()


def check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password")


def _names_in(name: str) -> set[str]:
    """Every run of two or more words of a unit's name, folded: "UBND thành phố Tây Ninh"
    gives "tayninh", "thanhpho", "photayninh"..."""
    words = [fold(word) for word in name.split()]
    runs = {"".join(words[start:end]) for start in range(len(words))
            for end in range(start + 2, len(words) + 1)}
    return {run for run in runs if len(run) >= MIN_NAME_LENGTH}


def check_password(password: str, *, username: str = "", unit_names: Iterable[str] = ()
                   ) -> None:
    """Raise :class:`ValidationError` (field ``password``) if ``password`` breaks the policy."""
    check_length(password)
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _TRAILING_DIGITS_AND_SIGNS.sub("", lowered) in common:
        raise ValidationError("This password is one of the most common passwords; "
                              "choose one that is harder to guess.", field="password")
    folded = fold(password)
    if len(fold(username)) >= MIN_NAME_LENGTH and fold(username) in folded:
        raise ValidationError("The password must not contain the username.", field="password")
    if any(name in folded for unit_name in unit_names for name in _names_in(unit_name)):
        raise ValidationError("The password must not contain the unit's name.",
                              field="password")
