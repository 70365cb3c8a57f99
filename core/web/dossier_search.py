"""Find a dossier: one search box (code, applicant name, citizen ID or phone) and the
filters of lists and queues (status, procedure, overdue, officer), paged.

Every list is narrowed by :func:`~motcua.core.web.scope.visible_condition` (the scope rule
of the dossier pages) or by the queue's own rule, never by a rule of its own. Names and
phones are compared with the dossier's search columns (:func:`~motcua.core.models.dossiers.
search_columns`), folded once when written, so a search folds only what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload

from motcua.core.db import INT_MAX
from motcua.core.errors import MotcuaError
from motcua.core.models import STATUSES, Account, Dossier, Procedure
from motcua.core.specialist_search import specialist_dossier_ids
from motcua.core.text import name_words, phone_digits
from motcua.core.web.scope import dossier_code, visible_condition
from motcua.core.workflow.authorization import _
from motcua.core.workflow.lateness import overdue_condition

PER_PAGE = 25
MAX_PER_PAGE = 100
# Digits written as a phone number or a citizen ID: "+84 912.345.678", "072090001234".
_NUMBER = re.compile(r"^\+?[\d\s.\-()]+$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to besides the search box; empty means no filter."""

    status: str | None = None
    procedure: str | None = None  # procedure code
    overdue: bool = False
    officer: str | None = None  # username of the officer holding the dossier

    def query_args(self) -> dict:
        """The filters as query-string arguments (for the pager's links)."""
        args = {"status": self.status, "procedure": self.procedure,
                "overdue": "1" if self.overdue else None, "officer": self.officer}
        return {name: value for name, value in args.items() if value}


@dataclass
class Page:
    items: list[Dossier]
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def _text_arg(args: Mapping, name: str) -> str | None:
    return (args.get(name) or "").strip() or None


def read_filters(args: Mapping) -> Filters:
    """The filters in a query string; a MotcuaError (HTTP 400) names a bad one."""
    status = _text_arg(args, "status")
    if status and status not in STATUSES:
        raise MotcuaError(_("Unknown status %(status)s; use one of %(statuses)s.",
                            status=status, statuses=", ".join(STATUSES)), field="status")
    overdue = (args.get("overdue") or "").strip().lower()
    if overdue not in (*_TRUE, *_FALSE):
        raise MotcuaError(_("overdue must be true or false."), field="overdue")
    return Filters(status=status, procedure=_text_arg(args, "procedure"),
                   overdue=overdue in _TRUE, officer=_text_arg(args, "officer"))


def read_page(args: Mapping, per_page: int = PER_PAGE) -> tuple[int, int]:
    """(page, per_page) from a query string; a MotcuaError (HTTP 400) if out of range."""
    numbers = []
    # A page beyond the database's integers would reach the OFFSET and fail there.
    for name, default, high in (("page", 1, INT_MAX), ("per_page", per_page, MAX_PER_PAGE)):
        raw = (args.get(name) or "").strip()
        if not raw:
            numbers.append(default)
            continue
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= high:
            limit = _("from 1 to %(high)s", high=high)
            raise MotcuaError(_("%(name)s must be a whole number %(limit)s.", name=name,
                                limit=limit), field=name)
        numbers.append(int(raw))
    return numbers[0], numbers[1]


def query_condition(query: str) -> ColumnElement[bool] | None:
    """SQL condition for what was typed in the search box (None if nothing was).

    A dossier code matches that code exactly; digits match the citizen ID or the phone
    (written any way: +84, 84, 0, spaces, dots); anything else is a name, each word of
    which must begin a word of the applicant's name, diacritics and case ignored. Both
    also match the specialist fields plugins index (a code whole, text word by word).
    """
    query = (query or "").strip()
    if not query:
        return None
    code = dossier_code(query)
    if code:
        return Dossier.code == code
    if _NUMBER.match(query):
        own = or_(Dossier.applicant_citizen_id == re.sub(r"\D", "", query),
                  Dossier.search_phone == phone_digits(query))
    else:
        words = name_words(query)
        own = NameWords(words) if words else false()
    # Values of the specialist fields plugins mark for search: a plot number, a tax
    # code, a business name (see motcua.core.specialist_search). A union of two
    # subqueries, not an OR across tables, so each keeps its own index (an OR with a
    # subquery makes PostgreSQL read every dossier).
    specialist = specialist_dossier_ids(query)
    if specialist is None:
        return own
    return Dossier.id.in_(union(select(Dossier.id).where(own), specialist))


class NameWords(ColumnElement[bool]):
    """SQL condition: each of ``words`` begins a word of the dossier's folded name.

    PostgreSQL asks its full-text index of the name's words (``ix_dossiers_search_words``)
    with a prefix query; SQLite, a unit's small database, compares with LIKE.
    """

    type = Boolean()
    inherit_cache = False  # the words are the statement: nothing worth caching

    def __init__(self, words: list[str]) -> None:
        self.words = list(words)


@compiles(NameWords)
def _name_words_like(element: NameWords, compiler, **kw) -> str:  # noqa: ANN001
    column = Dossier.search_name
    # Grouped: the statement around this element cannot see the ORs inside it.
    return compiler.process(and_(*[
        or_(column.startswith(word), column.contains(" " + word))
        for word in element.words]).self_group(), **kw)


@compiles(NameWords, "postgresql")
def _name_words_fulltext(element: NameWords, compiler, **kw) -> str:  # noqa: ANN001
    simple = literal_column("'simple'")
    query = " & ".join(f"{word}:*" for word in element.words)
    return compiler.process(func.to_tsvector(simple, Dossier.search_name).op("@@")(
        func.to_tsquery(simple, bindparam(None, query, type_=String()))).self_group(), **kw)


def apply_filters(statement: Select, filters: Filters) -> Select:
    """``statement`` narrowed to ``filters``; the overdue rule is the queues' one."""
    if filters.status:
        statement = statement.where(Dossier.status == filters.status)
    if filters.procedure:
        statement = statement.where(Dossier.procedure_id.in_(
            select(Procedure.id).where(Procedure.code == filters.procedure)))
    if filters.overdue:
        statement = statement.where(overdue_condition())
    if filters.officer:
        statement = statement.where(Dossier.holder_account_id.in_(
            select(Account.id).where(Account.username == filters.officer)))
    return statement


def paged(session: Session, statement: Select, page: int, per_page: int) -> Page:
    """One page of ``statement``'s dossiers, with how many there are in all."""
    total = session.scalar(select(func.count()).select_from(
        statement.order_by(None).subquery()))
    items = session.scalars(statement.offset((page - 1) * per_page).limit(per_page))
    return Page(list(items), page, per_page, total or 0)


def search_statement(account: Account, query: str, filters: Filters) -> Select:
    """The dossiers ``account`` may see that match ``query`` and ``filters``, newest
    first."""
    condition = visible_condition(account)
    statement = select(Dossier).where(condition if condition is not None else false())
    match = query_condition(query)
    if match is not None:
        statement = statement.where(match)
    return apply_filters(statement, filters).order_by(Dossier.received_at.desc(),
                                                      Dossier.id.desc())


def search(session: Session, account: Account, query: str, filters: Filters, *,
           page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of :func:`search_statement`, with the procedure each row shows."""
    statement = search_statement(account, query, filters).options(
        selectinload(Dossier.procedure))
    return paged(session, statement, page, per_page)
