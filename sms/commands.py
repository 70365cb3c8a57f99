"""Inbound SMS commands: ``TRACUU <code>``, ``HS <code>`` and help.

Citizens type on phones with or without a Vietnamese keyboard, so the command word is
compared after folding (``tra cứu``, ``Tra Cuu``, ``TRACUU`` are one command) and the code
may be typed in lower case or with spaces (``h72.01.01 - 261122 - 0001``,
``H80.01 261207 0012``); a message that is just a code is a lookup too.
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.core.codes import is_valid_code, normalize_code
from motcua.core.text import fold

# Folded command words, longest first so "tra cuu" wins over a shorter prefix.
LOOKUP_WORDS = ("tra cuu", "tracuu", "hs")
HELP_WORDS = ("tro giup", "trogiup", "hd", "help")
# What people put between the command word and the code: "Tra cứu: H72...", "HS-H72...".
SEPARATORS = " \t:;,.-=#>"


@dataclass(frozen=True)
class Command:
    """What an inbound message asks for: ``lookup`` (with ``argument``) or ``help``."""

    action: str
    argument: str = ""


def parse(text: str | None) -> Command:
    """The command in an inbound message; anything unknown asks for help."""
    folded = fold(text)
    for word in LOOKUP_WORDS:
        if not folded.startswith(word):
            continue
        rest = folded[len(word):]
        # Keep the code as typed (fold lowered it; normalize_code upper-cases later).
        argument = rest.lstrip(SEPARATORS).strip()
        if not rest or rest[0] in SEPARATORS or word == "tracuu":
            return Command("lookup", argument)
        # A short word glued to the code ("HSH72.01.01-261122-0001") only when a whole code
        # follows: "HSX" or "hsdfg" is not a lookup.
        if is_valid_code(normalize_code(rest)):
            return Command("lookup", argument)
    for word in HELP_WORDS:
        if folded == word or folded.startswith(word + " "):
            return Command("help")
    # Just the code, as copied off the receipt: what else could the citizen want?
    if is_valid_code(normalize_code(folded)):
        return Command("lookup", folded)
    return Command("help")
