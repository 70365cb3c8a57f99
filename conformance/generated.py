"""Sample dossiers generated from a procedure's marshmallow schema, beside the vendor's.

A vendor's samples show the happy path it thought of. The suite adds, per procedure, a
handful of dossiers built from the schema itself: every optional field missing, every
field at its lower bounds, every field at its upper bounds, and every free-text field
carrying an HTML canary (so the pages, slips and public channels showing it can be
checked for escaping). Each starts from the vendor's sample (which loads) and takes
the generated values one field at a time, keeping a value only if the schema still
loads with it: a field's own validators (``Regexp``), cross-field rules
(``validates_schema``) and nested schemas are honoured without modelling them here.

Deterministic: the same schema and seed give the same samples. Other checks (personal
data) use :func:`generate` or :func:`samples_for`.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from motcua_sdk.types import SampleDossier, thaw

# The canary's marker: a live element with it in an HTML answer means the text was
# not escaped. Escaped, the quotes and brackets become entities and it never matches.
CANARY_MARK = '<i data-canary="c0nf'
# The applicant cannot carry markup (the core refuses "<" and ">" in names and
# addresses), but quotes and an ampersand: verbatim in an HTML answer, they were not
# escaped either (Jinja writes &#34; &#39; &amp;).
APPLICANT_CANARY_NAME = 'Lê "Canary" O\'Thử & Con'
APPLICANT_CANARY_ADDRESS = 'Số 1 "Ngõ Canary" O\'Hẻm & Chợ'
DEFAULT_SEED = 20261207
CANARY_LABEL = "html canary"
# Dates at the edges a form would accept (a schema refusing them keeps the vendor's).
EARLIEST_DATE, LATEST_DATE = "1900-01-01", "2099-12-31"
FILLER = "Đường Số Một "  # Vietnamese text with diacritics, to reach a length


def canary(tag: str) -> str:
    """The canary text of the field ``tag``: markup and both quotes, distinct per field
    so a finding names the field that leaked."""
    return f'{CANARY_MARK}">{tag}</i>\'"'


@dataclass(frozen=True)
class GeneratedSample:
    """One generated dossier: ``label`` says how it was made ("optional fields empty",
    ...), ``applicant`` holds the intake API's applicant keys it changes."""

    label: str
    procedure_code: str
    specialist_data: dict[str, Any]
    applicant: dict[str, str] = field(default_factory=dict)
    # The fields whose generated value the schema kept, by dotted path.
    changed: tuple[str, ...] = ()

    def as_sample(self, base: SampleDossier) -> SampleDossier:
        """The generated dossier as a :class:`SampleDossier` on ``base``'s applicant."""
        return SampleDossier(
            procedure_code=self.procedure_code,
            applicant_name=self.applicant.get("name", base.applicant_name),
            specialist_data=self.specialist_data,
            applicant_citizen_id=base.applicant_citizen_id,
            applicant_address=self.applicant.get("address", base.applicant_address))


def _leaves(schema: Schema, prefix: tuple = ()) -> list[tuple[tuple, fields.Field]]:
    """Every field of ``schema`` by path, nested schemas (and a list's first item of
    one) walked into; the container fields themselves come first."""
    found = []
    for name, item in schema.fields.items():
        path = (*prefix, item.data_key or name)
        found.append((path, item))
        if isinstance(item, fields.Nested) and isinstance(item.schema, Schema):
            found += _leaves(item.schema, path)
        elif isinstance(item, fields.List) and isinstance(item.inner, fields.Nested):
            found += _leaves(item.inner.schema, (*path, 0))
    return found


def _validators(item: fields.Field, kind: type) -> list:
    return [v for v in item.validators if isinstance(v, kind)]


def _number(item: fields.Field, bound: float, inclusive: bool, upward: bool) -> Any:
    whole = isinstance(item, fields.Integer) or getattr(item, "integer", False)
    if inclusive:
        return int(bound) if whole else bound
    step = 1 if whole else 0.001
    return (bound + step) if upward else (bound - step)


def _text(length: int) -> str:
    return (FILLER * (length // len(FILLER) + 1))[:length]


def _bound(item: fields.Field, upper: bool) -> tuple[bool, Any]:
    """``(True, value)``: ``item`` at its lower or upper bound, or ``(False, None)``
    where the schema names none the generator knows."""
    choices = _validators(item, validate.OneOf)
    if choices and choices[0].choices:
        options = list(choices[0].choices)
        return True, options[-1] if upper else options[0]
    if isinstance(item, fields.Number):
        for rule in _validators(item, validate.Range):
            limit = rule.max if upper else rule.min
            if limit is not None:
                inclusive = rule.max_inclusive if upper else rule.min_inclusive
                return True, _number(item, limit, inclusive, upward=not upper)
        return False, None
    if isinstance(item, fields.Date):
        return True, LATEST_DATE if upper else EARLIEST_DATE
    if isinstance(item, fields.String):
        for rule in _validators(item, validate.Length):
            limit = rule.max if upper else (rule.min or 0)
            if limit is not None:
                return True, _text(limit)
        return (False, None) if upper else (True, "")
    return False, None


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _with(data: dict, path: tuple, value: Any, *, remove: bool = False) -> dict | None:
    """A copy of ``data`` with ``path`` set to ``value`` (or removed); None if its
    container is not there (an optional nested part the base leaves out)."""
    changed = copy.deepcopy(data)
    try:
        parent = _get(changed, path[:-1])
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(parent, dict):
        return None
    if remove:
        if path[-1] not in parent:
            return None
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return changed


class _Builder:
    """Applies candidate changes one at a time, keeping those the schema accepts."""

    def __init__(self, schema: Schema, base: dict) -> None:
        self.schema, self.data, self.kept = schema, base, []

    def loads(self, data: dict) -> bool:
        try:
            self.schema.load(data)
        except Exception:  # noqa: BLE001 - refused (ValidationError) or a validator crashing
            return False
        return True

    def offer(self, path: tuple, value: Any = None, *, remove: bool = False) -> None:
        candidate = _with(self.data, path, value, remove=remove)
        if candidate is not None and candidate != self.data and self.loads(candidate):
            self.data = candidate
            self.kept.append(".".join(str(key) for key in path))


def _variant(schema: Schema, base: dict, label: str, offers: list[tuple]) -> GeneratedSample:
    builder = _Builder(schema, copy.deepcopy(base))
    for path, value, remove in offers:
        builder.offer(path, value, remove=remove)
    return GeneratedSample(label=label, procedure_code="", specialist_data=builder.data,
                           changed=tuple(builder.kept))


def samples_for(schema: Schema | type[Schema], base: SampleDossier,
                seed: int = DEFAULT_SEED) -> list[GeneratedSample]:
    """Generated dossiers of ``base``'s procedure from its ``schema`` (a class or an
    instance), each built on ``base``'s specialist data: ``optional fields empty``,
    ``lower bounds``, ``upper bounds``, ``html canary``. A variant that changes nothing
    the schema accepts is left out."""
    schema = schema() if isinstance(schema, type) else schema
    rng = random.Random(seed)
    base_data = thaw(base.specialist_data)
    leaves = _leaves(schema)
    # Deepest first, so a nested field is emptied before its container is dropped.
    optional = [(path, None, True) for path, item in reversed(leaves) if not item.required]
    bounds = {upper: [(path, value, False) for path, item in leaves
                      for known, value in [_bound(item, upper)] if known]
              for upper in (False, True)}
    canaries = []
    for number, (path, item) in enumerate(leaves, start=1):
        choices = _validators(item, validate.OneOf)
        if choices and choices[0].choices:
            # A choice neither bound variant takes (they take the first and the last),
            # when there is one.
            options = list(choices[0].choices)
            canaries.append((path, rng.choice(options[1:-1] or options), False))
        elif isinstance(item, fields.String) and not _validators(item, validate.Regexp):
            canaries.append((path, canary(f"{path[-1]}{number}"), False))
    variants = [_variant(schema, base_data, "optional fields empty", optional),
                _variant(schema, base_data, "lower bounds", bounds[False]),
                _variant(schema, base_data, "upper bounds", bounds[True])]
    marked = _variant(schema, base_data, CANARY_LABEL, canaries)
    variants.append(GeneratedSample(
        label=marked.label, procedure_code="", specialist_data=marked.specialist_data,
        applicant={"name": APPLICANT_CANARY_NAME, "address": APPLICANT_CANARY_ADDRESS},
        changed=marked.changed))
    return [GeneratedSample(label=v.label, procedure_code=base.procedure_code,
                            specialist_data=v.specialist_data, applicant=v.applicant,
                            changed=v.changed)
            for v in variants if v.changed or v.applicant]


def generate(schemas: dict[str, Any], vendor_samples: list[SampleDossier],
             seed: int = DEFAULT_SEED) -> list[tuple[str, SampleDossier]]:
    """``[(label, sample)]``: the generated dossiers of every procedure that has a
    vendor sample (the first one is the base) and a schema in ``schemas`` (procedure
    code -> marshmallow schema class)."""
    bases = {}
    for sample in vendor_samples:
        bases.setdefault(sample.procedure_code, sample)
    found = []
    for code, base in bases.items():
        schema = schemas.get(code)
        if schema is None:
            continue
        for generated in samples_for(schema, base, seed):
            found.append((f"{code} {generated.label}", generated.as_sample(base)))
    return found


__all__ = ["APPLICANT_CANARY_ADDRESS", "APPLICANT_CANARY_NAME", "CANARY_LABEL", "CANARY_MARK",
           "GeneratedSample", "canary", "generate", "samples_for"]
