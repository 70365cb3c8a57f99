"""A deterministic demo province for trying motcua: ``motcua demo``.

Geography from the official 2025 list of provinces and wards (``vietnam-provinces``), a
catalogue of real procedures with forms and workflows, officers for every role sharing
one printed password, and a few hundred dossiers in every status (see
:mod:`motcua.core.demo.dossiers`).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.core.accounts import hash_password
from motcua.core.config import Settings
from motcua.core.demo.accounts import DEMO_PASSWORD, PRINTED, build_accounts, describe_roles
from motcua.core.demo.catalogue import build_catalogue, copy_forms
from motcua.core.demo.dossiers import build_dossiers
from motcua.core.demo.geography import build_geography, find_province
from motcua.core.intake import load_calendar
from motcua.core.models import Account, Dossier, Unit
from motcua.core.timeutil import now

DEFAULT_SEED = 2026
DEFAULT_DOSSIERS = 300

__all__ = ["DEFAULT_DOSSIERS", "DEFAULT_SEED", "DEMO_PASSWORD", "DemoSummary", "build_demo",
           "existing_demo"]


@dataclass
class DemoSummary:
    """What the demo holds, for the command to print."""

    province: str
    created: bool
    accounts: list[tuple[str, str, str]]  # username, full name, roles with their units
    statuses: Counter = field(default_factory=Counter)
    forms: int = 0


def existing_demo(session: Session) -> Unit | None:
    """The top unit of a province already built in this database, if any."""
    return session.scalar(select(Unit).where(Unit.kind == "province", Unit.parent_id.is_(None))
                          .order_by(Unit.id).limit(1))


def build_demo(session: Session, settings: Settings, *, province: str | None = None,
               seed: int = DEFAULT_SEED, dossiers: int = DEFAULT_DOSSIERS,
               until: datetime | None = None) -> DemoSummary:
    """Build the demo province in ``session``; the caller commits (or rolls back).

    The same ``seed`` and ``until`` (default: now) give the same units, accounts,
    dossier codes and statuses. A bad province name raises ValidationError before
    anything is written. If the database already holds a province nothing is written and
    the existing demo is described (``created`` is False).
    """
    if dossiers < 0:
        raise ValueError("dossiers must be zero or more")
    found = find_province(province)
    existing = existing_demo(session)
    if existing is not None:
        return describe(session, existing.name, created=False)
    rng = random.Random(seed)
    until = until or now()
    geography = build_geography(session, found, rng)
    # Argon2 is slow on purpose: hash the one shared password once for every account.
    build_accounts(session, geography, hash_password(DEMO_PASSWORD))
    ict = session.scalar(select(Account).where(Account.username == "cntt"))
    procedures = build_catalogue(session, geography, ict)
    build_dossiers(session, settings, load_calendar(session), geography, procedures, rng, dossiers,
                   until)
    session.flush()
    summary = describe(session, geography.province.name, created=True)
    summary.forms = copy_forms(settings.forms_path)
    return summary


def describe(session: Session, province_name: str, *, created: bool) -> DemoSummary:
    """The printed accounts and the dossiers per status of the demo in ``session``."""
    statuses = Counter(dict(session.execute(
        select(Dossier.status, func.count()).group_by(Dossier.status)).all()))
    # The first commune: the one whose desk account was created first.
    first_desk = session.scalar(select(Account.username).where(Account.username.like("letan.%"))
                                .order_by(Account.id).limit(1))
    commune = first_desk.removeprefix("letan.") if first_desk else ""
    accounts = []
    for pattern in PRINTED:
        account = session.scalar(select(Account).where(
            Account.username == pattern.format(commune=commune)))
        if account is not None:
            accounts.append((account.username, account.full_name, describe_roles(account)))
    return DemoSummary(province_name, created, accounts, statuses)
