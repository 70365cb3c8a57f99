"""The SDK's version and the ranges plugins declare against it.

``MOTCUA_API_VERSION`` follows semantic versioning of this contract (hooks, signals,
views, services): a new hook or keyword argument raises the minor version; removing or
changing one raises the major version (before 1.0: an addition raises the patch version,
a removal or change the minor version). A plugin declares the versions it works with as a
PEP 440 specifier in its module::

    MOTCUA_API = ">=0.1,<0.2"

    MOTCUA_API = ">=0.2,<0.3"

0.1.1 added the routing signals (``claimed`` ... ``apologized``); a plugin that connects
to them declares ``">=0.1.1,<0.2"``. 0.1.2 added the pause for a financial obligation
(actions ``pause_for_payment`` / ``record_payment``, signals ``paused_for_payment`` /
``payment_recorded``); a plugin that uses them declares ``">=0.1.2,<0.2"``.

0.2.0 is the first minor release: what changed for a plugin written for 0.1 is listed,
in one place, in :data:`CHANGES_SINCE_0_1`. A plugin still declaring a 0.1 range
(``">=0.1,<0.2"``) keeps loading on 0.2 with a notice naming those changes
(:func:`api_range_notice`); any other range that excludes the platform's version is
refused, the refusal naming the change (:func:`api_range_issue`).
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

MOTCUA_API_VERSION = "0.2.0"

LAST_0_1 = "0.1.2"
"""The last 0.1 release: a plugin whose range admits it was written for 0.1."""

CHANGES_SINCE_0_1: tuple[str, ...] = (
    "the desk form and the REST API read and validate a procedure's specialist data with "
    "its schema (a schema no longer has to accept empty data)",
    "a plugin declares the unit functions its workflows name (MOTCUA_UNIT_FUNCTIONS)",
    "plugin tables should be named with motcua_sdk.naming.naming_convention (constraint "
    "names of at most 63 characters)",
    "numbers typed into forms are read with motcua_sdk.numbers (decimal commas: 120,5)",
)
"""What changed for a plugin written for API 0.1, in English (the notice and the refusal
quote it; ``plugin_sdk/CHANGELOG.md`` explains each item and how to migrate)."""

_CURRENT_RANGE = '">=0.2,<0.3"'


def api_range_issue(declared: object, version: str = MOTCUA_API_VERSION
                    ) -> tuple[str, dict[str, str]] | None:
    """Why a plugin declaring ``declared`` cannot run on API ``version``, as an English
    message with ``%(name)s`` placeholders and their values (for a host that translates
    the message where it shows it), or None if it can.

    A missing declaration, a malformed specifier and a range that excludes ``version``
    each get their own message.
    """
    example = _CURRENT_RANGE
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
    if specifier.contains(Version(version), prereleases=True) \
            or _runs_as_0_1(specifier, version):
        return None
    if _newer_only(specifier, version):
        return ("needs motcua API %(declared)s but this motcua provides API %(version)s: "
                "the plugin was written for a newer motcua; upgrade motcua or install a "
                "release of the plugin for API %(version)s",
                {"declared": declared, "version": version})
    return ("needs motcua API %(declared)s but this motcua provides API %(version)s, which "
            "changed since 0.1: %(changes)s; after migrating (see the SDK changelog) "
            "declare MOTCUA_API = %(example)s",
            {"declared": declared, "version": version, "example": example,
             "changes": "; ".join(CHANGES_SINCE_0_1)})


def api_range_notice(declared: object, version: str = MOTCUA_API_VERSION
                     ) -> tuple[str, dict[str, str]] | None:
    """What the operator should know about a plugin that runs on API ``version`` only
    because it was written for 0.1 (its range admits the last 0.1 release, not
    ``version``): an English message naming :data:`CHANGES_SINCE_0_1`, with ``%(name)s``
    placeholders and their values; None for any other range."""
    if not isinstance(declared, str) or not declared:
        return None
    try:
        specifier = SpecifierSet(declared)
    except InvalidSpecifier:
        return None
    if specifier.contains(Version(version), prereleases=True) \
            or not _runs_as_0_1(specifier, version):
        return None
    return ("written for motcua API 0.1 (declares %(declared)s); it runs on API %(version)s, "
            "which changed since 0.1: %(changes)s; move it to MOTCUA_API = %(example)s",
            {"declared": declared, "version": version, "example": _CURRENT_RANGE,
             "changes": "; ".join(CHANGES_SINCE_0_1)})


def _runs_as_0_1(specifier: SpecifierSet, version: str) -> bool:
    """True if a plugin with ``specifier`` was written for 0.1 and ``version`` is a 0.2
    release, which keeps every 0.1 hook, signal, view and service."""
    current = Version(version)
    return (current.major, current.minor) == (0, 2) \
        and specifier.contains(Version(LAST_0_1), prereleases=True)


def _newer_only(specifier: SpecifierSet, version: str) -> bool:
    """True if ``specifier`` admits only versions above ``version`` (a newer plugin)."""
    current = Version(version)
    probes = [Version(f"{major}.{minor}.{patch}") for major in range(0, 3)
              for minor in range(0, 10) for patch in range(0, 4)]
    admitted = [probe for probe in probes if specifier.contains(probe, prereleases=True)]
    return bool(admitted) and all(probe > current for probe in admitted)


def api_range_problem(declared: object, version: str = MOTCUA_API_VERSION) -> str | None:
    """Why a plugin declaring ``declared`` cannot run on API ``version`` (in English), or
    None if it can; see :func:`api_range_issue`."""
    issue = api_range_issue(declared, version)
    return issue[0] % issue[1] if issue else None


def is_compatible(declared: object, version: str = MOTCUA_API_VERSION) -> bool:
    """True if a plugin declaring ``declared`` runs on API ``version``."""
    return api_range_problem(declared, version) is None
