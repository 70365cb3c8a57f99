"""Counting wrong codes, the trace enumeration leaves (issue: public lookup enumeration).

A citizen looks their own dossier up again and again with a code that exists; someone
walking the ``unit-YYMMDD-sequence`` space hits codes nobody has. So each client
(:func:`~motcua.lookup.ratelimit.network_key`: an IPv4 address or an IPv6 /64) has a budget
of misses, ``LOOKUP_MISS_LIMIT`` (default 20 per 10 minutes); right codes never spend it.

Once a client's budget is spent, a lookup from it needs the second factor (the last four
digits of the applicant's phone) and only a verified lookup is answered: a wrong code and a
right code with wrong digits get the same 429, so the answer no longer tells which codes
exist, and each further guess has to find a code and four digits together.

The trade-off, for citizens behind a carrier's shared address (CGNAT): others' misses can
spend the budget of the whole address, but never block a citizen who has their receipt and
phone; at worst, until the window passes, they must type the last 4 digits of their phone
as well as the code. Nothing else is ever refused because of misses.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse
from sqlalchemy.orm import Session

from motcua.core.errors import MotcuaError
from motcua.lookup.ratelimit import limiter, mark_factor_failed, network_key
from motcua.lookup.service import LookupResult, UnknownCode, lookup

SCOPE = "lookup-miss"


class TooManyMisses(MotcuaError):
    """The client's miss budget is spent and the lookup was not verified (429)."""

    status_code = 429


def _budget():  # noqa: ANN202
    return parse(current_app.config["LOOKUP_MISS_LIMIT"])


def _client() -> str:
    return network_key(get_remote_address())


def _counting() -> bool:
    # With rate limiting switched off (RATELIMIT_ENABLED=False: conformance instances,
    # some tests) the limiter has no storage: no budget is kept, none is spent.
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def budget_spent() -> bool:
    """Whether the calling client has no misses left in the current window."""
    return _counting() and not limiter.limiter.test(_budget(), SCOPE, _client())


def count_miss() -> None:
    """Spend one miss of the calling client's budget."""
    if _counting():
        limiter.limiter.hit(_budget(), SCOPE, _client())


def _refusal() -> TooManyMisses:
    return TooManyMisses(_(
        "Too many dossier codes that do not exist were looked up from your connection. "
        "To look your dossier up now, enter its code and the last 4 digits of the phone "
        "number you gave at the desk; or try again in a few minutes."), field="phone4")


def guarded_lookup(session: Session, raw_code: str | None,
                   phone4: str | None = None) -> LookupResult:
    """:func:`~motcua.lookup.service.lookup` under the calling client's miss budget: what
    the website, its JSON API and the kiosk call. SMS is not counted here: it is limited per
    sender phone, and every guess costs its sender a message."""
    spent = budget_spent()
    if spent and not (phone4 or "").strip():
        raise _refusal()
    try:
        result = lookup(session, raw_code, phone4)
    except UnknownCode:
        count_miss()
        if spent:
            raise _refusal() from None
        raise
    if spent and not result.verified:
        count_miss()
        mark_factor_failed()
        raise _refusal()
    return result
