"""Reading the numbers people type: "120,5" as well as "120.5".

Vietnamese writes a decimal comma and groups thousands with dots ("1.200,5"); browsers,
spreadsheets and English-speaking clerks write "1,200.5". :func:`parse_number` reads
both wherever the reading is unambiguous and refuses the rest with a message saying
what to type instead, so no form silently turns "1.200" into 1.2 or 1200.

:class:`Number` is a marshmallow field that reads its input with :func:`parse_number`
(a drop-in for ``fields.Float`` / ``fields.Decimal`` in a plugin's schema).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields

from motcua_sdk.i18n import gettext

# Characters people paste around or inside a number: spaces of every width.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PLAIN = re.compile(r"[0-9]+\Z")
_GROUPED = re.compile(r"[0-9]{1,3}(?:[., ][0-9]{3})+\Z")


class NumberError(ValueError):
    """Text that is not a number, or not one that can be read only one way. ``message``
    (English, with ``%(name)s`` placeholders filled in) says what to type instead;
    :meth:`translated` gives it in the current request's language."""

    def __init__(self, template: str, **variables: object) -> None:
        self.template = template
        self.variables = variables
        self.message = template % variables if variables else template
        super().__init__(self.message)

    def translated(self) -> str:
        """The message in the current request's language (English outside a request)."""
        return gettext(self.template, **self.variables)


def parse_number(value: object, *, integer: bool = False) -> Decimal:
    """The number ``value`` holds, as a :class:`~decimal.Decimal`.

    Accepts an ``int``, a finite ``float`` or ``Decimal``, or text such as ``"120,5"``,
    ``"120.5"``, ``"1.200,5"``, ``"1,200.5"``, ``"1.200.000"``, ``"1 200 000"``,
    ``"-3,25"``: the last of two different separators is the decimal one, a separator
    repeated or followed by groups of three digits groups thousands. Text that can be
    read two ways (``"1.200"``, ``"1,200"``: 1200 or 1.2) is refused with a message
    asking for the unambiguous form, as is anything that is not a plain number (letters,
    exponents, ``NaN``, infinity, empty text).

    With ``integer=True`` the number must be whole; a lone separator followed by three
    digits then groups thousands (``"1.200"`` is 1200), since no decimal is expected.

    Raises :class:`NumberError`.
    """
    if isinstance(value, bool):
        raise NumberError("%(value)s is not a number.", value=repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise NumberError("%(value)s is not a number.", value=str(value))
        return _whole(number, str(value)) if integer else number
    if not isinstance(value, str):
        raise NumberError("%(value)s is not a number.", value=repr(value)[:40])
    text = value.strip()
    if not text:
        raise NumberError("Enter a number.")
    sign = ""
    if text[0] in "+-\u2212":
        sign, text = ("-" if text[0] != "+" else ""), text[1:].lstrip()
    number = _unsigned(_SPACES.sub(" ", text), value.strip(), integer)
    number = -number if sign else number
    return _whole(number, value.strip()) if integer else number


def _unsigned(text: str, shown: str, integer: bool) -> Decimal:
    """``text`` (no sign) read as a number; ``shown`` is what the user typed."""
    if _PLAIN.match(text):
        return Decimal(text)
    separators = [char for char in text if not char.isdigit()]
    if not separators or any(char not in "., " for char in separators) \
            or not text[0].isdigit() or not text[-1].isdigit():
        raise NumberError("%(value)s is not a number: use digits and one decimal comma, "
                          "e.g. 120,5.", value=_quoted(shown))
    decimal_mark = separators[-1] if separators[-1] in ".," else None
    if decimal_mark is not None and separators.count(decimal_mark) == 1:
        whole, fraction = text.rsplit(decimal_mark, 1)
        if decimal_mark not in separators[:-1] and whole and _groups(whole, decimal_mark) \
                and fraction.isdigit():
            lone = len(separators) == 1
            if lone and len(fraction) == 3 and _could_group(whole):
                if integer:
                    return Decimal(whole + fraction)
                decimal = format(Decimal(f"{whole}.{fraction}").normalize(), "f")
                raise NumberError(
                    "%(value)s can be read as %(grouped)s or as %(decimal)s: write "
                    "%(grouped)s without a separator, or %(decimal)s for the decimal.",
                    value=_quoted(shown), grouped=whole + fraction,
                    decimal=decimal.replace(".", ","))
            digits = whole.translate(str.maketrans("", "", "., "))
            return Decimal(f"{digits}.{fraction}")
    # No decimal part: every separator groups thousands, and all are the same kind.
    if len(set(separators)) == 1 and _GROUPED.match(text):
        return Decimal(text.translate(str.maketrans("", "", "., ")))
    raise NumberError("%(value)s is not a number: use one decimal comma (120,5) and, if "
                      "you group thousands, groups of three digits (1.200,5).",
                      value=_quoted(shown))


def _groups(whole: str, decimal_mark: str) -> bool:
    """True if ``whole`` (the part before the decimal mark) is digits, or digits grouped
    by threes with one separator other than the decimal mark."""
    if whole.isdigit():
        return True
    marks = {char for char in whole if not char.isdigit()}
    return len(marks) == 1 and decimal_mark not in marks and bool(_GROUPED.match(whole))


def _could_group(whole: str) -> bool:
    """True if ``whole`` followed by a separator and three digits could be a thousands
    grouping: one to three digits, not a lone zero ("0,125" is only a decimal)."""
    return whole.isdigit() and len(whole) <= 3 and whole != "0"


def _whole(number: Decimal, shown: str) -> Decimal:
    if number != number.to_integral_value():
        raise NumberError("%(value)s is not a whole number.", value=_quoted(shown))
    return number.quantize(Decimal(1))


def _quoted(text: str) -> str:
    return f"“{text[:40]}”"


class Number(fields.Float):
    """A marshmallow number field reading text with :func:`parse_number` ("120,5").

    ``as_decimal=True`` loads a :class:`~decimal.Decimal` (money, areas kept exact)
    instead of a ``float``; ``integer=True`` loads an ``int`` and refuses fractions.
    JSON numbers are accepted as they are. Dumps like ``fields.Float`` (or the Decimal
    / int itself). It is a ``fields.Number``, so tools that inspect schemas treat it as
    a number.
    """

    def __init__(self, *, as_decimal: bool = False, integer: bool = False,
                 **kwargs: object) -> None:
        super().__init__(allow_nan=False, **kwargs)
        self.as_decimal = as_decimal
        self.integer = integer

    def _format_num(self, value: object):  # noqa: ANN202
        if self.integer:
            return int(value)
        if self.as_decimal:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        number = float(value)
        if number in (float("inf"), float("-inf")):
            raise OverflowError(value)
        return number

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202
        try:
            number = parse_number(value, integer=self.integer)
        except NumberError as error:
            raise ValidationError(error.translated()) from error
        try:
            return self._format_num(number)
        except (OverflowError, InvalidOperation) as error:
            raise ValidationError(gettext("Number too large.")) from error
