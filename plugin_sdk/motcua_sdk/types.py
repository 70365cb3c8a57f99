"""The values that travel between the core and a plugin.

Plugins never see the core's ORM classes: they get read-only views (:class:`DossierView`,
:class:`AccountView`) and answer hooks with the small dataclasses below. Everything here
is frozen, so a plugin cannot change a dossier by accident; changes go through
:mod:`motcua_sdk.services`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

STEP_ROLES = ("specialist", "leader")
LEVELS = ("commune", "district", "province")


def _frozen(value: Any) -> Any:
    """A read-only copy of JSON-like data (dicts become mapping proxies, lists tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable (JSON-ready) copy of a value taken from a view."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(item) for item in value]
    return value


@dataclass(frozen=True)
class DocumentSpec:
    """A document the applicant hands in (thành phần hồ sơ)."""

    name: str
    copy_kind: str = "original"  # "original", "copy", "certified_copy", "original_or_copy"
    quantity: int = 1
    required: bool = True
    form_filename: str | None = None


@dataclass(frozen=True)
class ProcedureSpec:
    """One administrative procedure a plugin handles, as it goes into the catalogue.

    ``code`` is the national procedure code (mã TTHC, e.g. ``"1.001612"``); ``schema`` a
    marshmallow ``Schema`` class describing the dossier's specialist data, checked on
    every intake (its fields' :func:`motcua_sdk.fields.meta` give the desk's labels and
    widgets, the lookup's public fields and the search's indexed ones); ``workflow``
    the default processing path in the workflow contract's step format
    (``{"name", "role": "specialist"|"leader", "days", "unit": selector}``), whose days
    add up to at most ``processing_days``.
    """

    code: str
    name: str
    field: str
    processing_days: int
    result_type: str
    level: str = "commune"
    fee: int = 0
    fee_note: str | None = None
    documents: tuple[DocumentSpec, ...] = ()
    schema: type | None = None
    workflow: tuple[Mapping[str, Any], ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.processing_days < 1:
            raise ValueError("processing_days must be at least 1")
        object.__setattr__(self, "documents", tuple(self.documents))
        object.__setattr__(self, "workflow", tuple(dict(step) for step in self.workflow))


@dataclass(frozen=True)
class MenuItem:
    """An entry in the staff menu: ``endpoint`` is a Flask endpoint of the plugin's
    blueprint (``"business_registration.queue"``), ``label`` already translated."""

    label: str
    endpoint: str
    icon: str | None = None
    order: int = 100


@dataclass(frozen=True)
class IssuedResult:
    """What the plugin issues when a dossier is finished (kết quả giải quyết TTHC).

    ``number`` is the certificate/licence number in the plugin's official pattern;
    ``document_endpoint`` a Flask endpoint that renders the printable document, called
    with ``code=<dossier code>`` and linked from the core's work page and dossier page
    (see :mod:`motcua_sdk.pdf` for a PDF); ``data`` anything else that belongs with the result
    (stored in the dossier's result and sent with the ``result_issued`` signal).
    """

    number: str
    title: str
    document_endpoint: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        """The JSON the core stores as the dossier's result."""
        result = {"number": self.number, "title": self.title, **thaw(self.data)}
        if self.document_endpoint:
            result["document_endpoint"] = self.document_endpoint
        return result


COLUMN_TYPES = ("text", "number", "percent", "date", "auto")


@dataclass(frozen=True)
class ReportColumn:
    """A column of a :class:`Report`: the rows' ``key``, its heading ``label`` (English
    text the page translates through the catalogues, or a lazy string of the plugin's
    own catalogue, see :class:`motcua_sdk.i18n.PluginTranslations`) and its ``type``:

    - ``"text"``: shown as it is;
    - ``"number"``: an ``int`` or ``float``, shown with the page language's separators
      (``1.234,5`` in Vietnamese) and ``decimals`` places, a number cell in Excel;
    - ``"percent"``: a share (``0.903``), shown as ``90,3%`` with ``decimals`` places
      (1 by default), a percentage cell in Excel;
    - ``"date"``: a ``date`` or ``datetime`` (or an ISO ``YYYY-MM-DD`` text), shown as
      ``dd/mm/yyyy``, a date cell in Excel;
    - ``"auto"``: what API 0.1's plain keys get: whole numbers with separators, any other
      value as text.

    ``None`` is an empty cell in every type. A value of the wrong type is the plugin's
    failure: the report page says so instead of showing a wrong figure.
    """

    key: str
    label: Any
    type: str = "text"
    decimals: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError("a report column needs a key (the rows' dict key)")
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.key}: type must be one of "
                             f"{', '.join(COLUMN_TYPES)}, not {self.type!r}")
        if self.decimals is not None and not (isinstance(self.decimals, int)
                                              and 0 <= self.decimals <= 6):
            raise ValueError(f"column {self.key}: decimals must be 0 to 6")

    @property
    def places(self) -> int:
        """The decimal places shown: ``decimals``, else 1 for a percentage, 0 else."""
        if self.decimals is not None:
            return self.decimals
        return 1 if self.type == "percent" else 0


@dataclass(frozen=True)
class Report:
    """A report a plugin offers: ``build(session, start, end, unit_code)`` returns rows
    (a list of dicts keyed by the columns' keys). ``title`` is English text the page
    translates through the catalogues (see :mod:`motcua_sdk.i18n`).

    ``columns`` are :class:`ReportColumn` (API 0.2: a label and a type per column), or,
    as in API 0.1, plain keys headed by ``column_labels`` (``{key: heading}``, a key
    without one is headed by itself) and shown as the values come. After construction
    ``columns`` holds the keys and ``column_specs`` the :class:`ReportColumn` of each.

    Example::

        Report(name="permits_by_month", title="Permits issued per month",
               columns=(ReportColumn("month", "Month"),
                        ReportColumn("issued", "Issued", "number"),
                        ReportColumn("on_time", "On time", "percent"),
                        ReportColumn("last_issued", "Last issued on", "date")),
               build=permits_by_month)
    """

    name: str
    title: str
    columns: tuple[Any, ...]
    build: Callable[..., list[dict[str, Any]]]
    column_labels: Mapping[str, str] = field(default_factory=dict)
    column_specs: tuple[ReportColumn, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        labels = self.column_labels or {}
        specs = tuple(column if isinstance(column, ReportColumn)
                      else ReportColumn(str(column), labels.get(column, column), "auto")
                      for column in self.columns)
        object.__setattr__(self, "column_specs", specs)
        object.__setattr__(self, "columns", tuple(spec.key for spec in specs))

@dataclass(frozen=True)
class SampleDossier:
    """A dossier the conformance suite takes in, routes and finishes through the plugin.

    ``specialist_data`` must load through the procedure's schema; ``expect_public`` lists
    keys :func:`~motcua_sdk.hookspecs.motcua_public_fields` must return for it.
    """

    procedure_code: str
    applicant_name: str
    specialist_data: Mapping[str, Any]
    applicant_citizen_id: str | None = None
    applicant_address: str | None = None
    expect_public: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountView:
    """A staff account as plugins see it: ``roles`` is a tuple of ``(role, unit_code)``
    (a role covers that unit and all units beneath it)."""

    username: str
    full_name: str
    unit_code: str
    roles: tuple[tuple[str, str], ...] = ()

    def has_role_anywhere(self, role: str) -> bool:
        """True if the account holds ``role`` over any unit."""
        return any(name == role for name, _unit in self.roles)


@dataclass(frozen=True)
class UnitView:
    """An administrative unit (đơn vị) as plugins see it, e.g. to name the issuing agency
    on a result document.

    ``kind`` is what the unit is (``"province"``, ``"district"``, ``"commune"``,
    ``"department"``, ``"office"``, ``"agency"``); ``level`` the administrative level it
    belongs to (``"province"``, ``"district"`` or ``"commune"``: the kind of the unit or
    of its nearest ancestor that is one of those; None outside any); ``functions`` what
    it does (``("finance",)``), as workflow steps name it with ``function:<name>``;
    ``abbreviation`` the short name set for SMS replies, if any.
    """

    code: str
    name: str
    kind: str
    level: str | None
    parent_code: str | None
    functions: tuple[str, ...] = ()
    abbreviation: str | None = None
    receives_dossiers: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", tuple(self.functions))


@dataclass(frozen=True)
class EventView:
    """One recorded dossier event (see the event kinds in ``docs/plugins.md``)."""

    kind: str
    sequence: int
    at: datetime
    actor: str | None  # the actor's username, None for system events (overdue)
    from_status: str | None
    to_status: str
    note: str | None
    data: Mapping[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", _frozen(dict(self.data or {})))


@dataclass(frozen=True)
class AttachmentView:
    """A file of a dossier, without its bytes (read them with
    :func:`motcua_sdk.services.read_attachment`).

    ``document`` names the checklist line the scan belongs to (None for a general
    attachment or a plugin's file); ``plugin`` and ``kind`` are set on the files a plugin
    attached (:func:`motcua_sdk.services.attach_file`); ``uploaded_by`` is the officer's
    full name (None when no officer did it, e.g. a command)."""

    id: int
    name: str
    mime: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None
    document: str | None = None
    plugin: str | None = None
    kind: str | None = None
    sha256: str = ""


@dataclass(frozen=True)
class FeeReceiptView:
    """A fee payment recorded with a dossier (biên lai thu phí, lệ phí): ``amount`` in
    đồng, the receipt's ``series`` (ký hiệu) and ``number``, unique together."""

    id: int
    dossier_code: str
    amount: int
    payer: str
    series: str
    number: str
    paid_at: datetime
    officer: str | None
    plugin: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class DossierView:
    """A read-only snapshot of a dossier (hồ sơ) for plugins.

    ``specialist_data`` and ``result`` are read-only mappings; use
    :func:`motcua_sdk.thaw` for a mutable copy and :mod:`motcua_sdk.services` to change
    anything. ``version`` is the optimistic-lock counter: pass it back as
    ``expected_version`` so a stale screen cannot overwrite someone else's change.
    """

    code: str
    procedure_code: str
    procedure_name: str
    handler_plugin: str | None
    unit_code: str
    unit_name: str
    channel: str
    status: str
    applicant_name: str
    applicant_citizen_id: str | None
    applicant_phone: str | None
    applicant_email: str | None
    applicant_address: str | None
    applicant_organization: str | None
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None
    holder_unit_code: str | None
    holder_username: str | None
    fee: int
    version: int
    specialist_data: Mapping[str, Any] = field(default_factory=dict)
    result: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "specialist_data", _frozen(dict(self.specialist_data or {})))
        if self.result is not None:
            object.__setattr__(self, "result", _frozen(dict(self.result)))
