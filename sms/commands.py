"""Inbound SMS commands: ``TRACUU <code>``, ``HS <code>`` and help.

Citizens type on phones with or without a Vietnamese keyboard, so the command word is
compared after folding (``tra cứu``, ``Tra Cuu``, ``TRACUU`` are one command) and the code
may be typed in lower case or with spaces (``h72.01.01 - 261122 - 0001``).
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.core.text import fold

# Folded command words, longest first so "tra cuu" wins over a shorter prefix.
LOOKUP_WORDS = ("tra cuu", "tracuu", "hs")
HELP_WORDS = ("tro giup", "trogiup", "hd", "help")


@dataclass(frozen=True)
class Command:
    """What an inbound message asks for: ``lookup`` (with ``argument``) or ``help``."""

    action: str
    argument: str = ""


def parse(text: str | None) -> Command:
    """The command in an inbound message; anything unknown asks for help."""
    folded = fold(text)
    for word in LOOKUP_WORDS:
        if folded == word or folded.startswith(word + " ") or (
                word == "tracuu" and folded.startswith(word)):
            # Keep the code as typed (fold lowered it; normalize_code upper-cases later).
            argument = folded[len(word):].strip()
            return Command("lookup", argument)
    for word in HELP_WORDS:
        if folded == word or folded.startswith(word + " "):
            return Command("help")
    return Command("help")
