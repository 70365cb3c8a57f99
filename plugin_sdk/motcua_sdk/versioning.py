"""The SDK's version and the ranges plugins declare against it.

``MOTCUA_API_VERSION`` follows semantic versioning of this contract (hooks, signals,
views, services): a new hook or keyword argument raises the minor version; removing or
changing one raises the major version (before 1.0: an addition raises the patch version,
a removal or change the minor version). A plugin declares the versions it works with as a
PEP 440 specifier in its module::

    MOTCUA_API = ">=0.1,<0.2"

0.1.1 added the routing signals (``claimed`` ... ``apologized``); a plugin that connects
to them declares ``">=0.1.1,<0.2"``. 0.1.2 added the pause for a financial obligation
(actions ``pause_for_payment`` / ``record_payment``, signals ``paused_for_payment`` /
``payment_recorded``); a plugin that uses them declares ``">=0.1.2,<0.2"``.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

MOTCUA_API_VERSION = "0.1.2"


def api_range_issue(declared: object, version: str = MOTCUA_API_VERSION
                    ) -> tuple[str, dict[str, str]] | None:
    """Why a plugin declaring ``declared`` cannot run on API ``version``, as an English
    message with ``%(name)s`` placeholders and their values (for a host that translates
    the message where it shows it), or None if it can.

    A missing declaration, a malformed specifier and a range that excludes ``version``
    each get their own message.
    """
    example = '">=0.1,<0.2"'
    if declared is None or declared == "":
        return ("declares no MOTCUA_API range (add e.g. MOTCUA_API = %(example)s to the "
                "plugin module)", {"example": example})
    if not isinstance(declared, str):
        return ("MOTCUA_API must be a string such as %(example)s, not %(declared)s",
                {"example": example, "declared": repr(declared)})
    try:
        specifier = SpecifierSet(declared)
    except InvalidSpecifier:
        return ("MOTCUA_API %(declared)s is not a valid version range (e.g. %(example)s)",
                {"declared": repr(declared), "example": example})
    if not specifier.contains(Version(version), prereleases=True):
        return ("needs motcua API %(declared)s but this motcua provides API %(version)s",
                {"declared": declared, "version": version})
    return None


def api_range_problem(declared: object, version: str = MOTCUA_API_VERSION) -> str | None:
    """Why a plugin declaring ``declared`` cannot run on API ``version`` (in English), or
    None if it can; see :func:`api_range_issue`."""
    issue = api_range_issue(declared, version)
    return issue[0] % issue[1] if issue else None


def is_compatible(declared: object, version: str = MOTCUA_API_VERSION) -> bool:
    """True if a plugin declaring ``declared`` runs on API ``version``."""
    return api_range_problem(declared, version) is None
