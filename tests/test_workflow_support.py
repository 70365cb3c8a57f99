"""Shared set-up for the routing tests (no tests here): a province with a tax office and
a provincial department, a two-step workflow, a controllable clock, and receiving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.core import timeutil
from motcua.core.accounts import create_account
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, DossierEvent, OutboxEntry, Unit
from motcua.core.timeutil import VIETNAM
from motcua.core.units import create_unit
from motcua.core.workflow.definitions import save_workflow
from tests.factories import PASSWORD, World, intake_data

TWO_STEPS = [
    {"name": "Thẩm định hồ sơ", "role": "specialist", "days": 1.5, "unit": "function:finance"},
    {"name": "Phê duyệt", "role": "leader", "days": 1, "unit": "parent"},
]


@dataclass
class Routing:
    """The test world plus the units and officers routing needs."""

    world: World
    tax_office: Unit
    planning_department: Unit
    justice_office: Unit
    accounts: dict[str, Account]

    def account(self, session: Session, name: str) -> Account:
        return session.get(Account, self.accounts[name].id)


def add_routing(session: Session, world: World, steps: list[dict] | None = TWO_STEPS
                ) -> Routing:
    """Give the test world functions, a tax office, a provincial department, officers of
    each, and (unless ``steps`` is None) a workflow for the household-business procedure."""
    province = session.get(Unit, world.province.id)
    district = session.get(Unit, world.district.id)
    finance = session.get(Unit, world.finance_office.id)
    finance.function = "finance"
    tax = create_unit(session, code="H72.T01", name="Chi cục Thuế khu vực Tây Ninh",
                      kind="agency", parent=province, function="tax")
    planning = create_unit(session, code="H72.03", name="Sở Kế hoạch và Đầu tư",
                           kind="department", parent=province, function="planning")
    justice = create_unit(session, code="H72.01.03", name="Phòng Tư pháp",
                          kind="department", parent=district, function="justice")
    other = session.get(Unit, world.other_district.id)
    accounts = {name: session.get(Account, account.id)
                for name, account in world.accounts.items()}

    def officer(username: str, full_name: str, unit: Unit, *roles: str) -> Account:
        return create_account(session, username=username, password=PASSWORD,
                              full_name=full_name, unit=unit,
                              roles=[(role, unit) for role in roles])

    accounts["specialist2"] = officer("chuyenvien2", "Lý Chuyên Viên Hai", finance,
                                      "specialist")
    accounts["finance_leader"] = officer("truongphong", "Hồ Trưởng Phòng", finance, "leader")
    accounts["tax_specialist"] = officer("thue", "Mai Cán Bộ Thuế", tax, "specialist")
    accounts["planning_specialist"] = officer("sokhdt", "Đinh Chuyên Viên Sở", planning,
                                              "specialist")
    accounts["justice_specialist"] = officer("tuphap", "Tô Tư Pháp", justice, "specialist")
    accounts["other_specialist"] = officer("chuyenvien.hoathanh", "Quách Văn Ngoài", other,
                                           "specialist")
    accounts["other_leader"] = officer("lanhdao.hoathanh", "Âu Lãnh Đạo Ngoài", other,
                                       "leader")
    if steps is not None:
        save_workflow(session, world.household_business, steps, accounts["ict_admin"],
                      note="test workflow")
    session.commit()
    return Routing(world, tax, planning, justice, accounts)


def receive(session: Session, app, routing: Routing, **overrides) -> Dossier:  # noqa: ANN001
    """Take in a household-business dossier at the district desk and commit."""
    actor = routing.account(session, "reception")
    dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]),
                      intake_data(routing.world, **overrides))
    session.commit()
    return dossier


class Clock:
    """Replaces the time the routing engine, intake and queues read."""

    def __init__(self, monkeypatch, start: datetime) -> None:  # noqa: ANN001
        self.moment = start
        for target in ("motcua.core.timeutil.now", "motcua.core.intake.now",
                       "motcua.core.workflow.control.now", "motcua.core.workflow.lateness.now",
                       "motcua.core.workflow.overdue.now"):
            monkeypatch.setattr(target, self.now)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


def vn(*args: int) -> datetime:
    """A Vietnam wall-clock time."""
    return datetime(*args, tzinfo=VIETNAM)


def event_kinds(session: Session, dossier: Dossier) -> list[str]:
    return list(session.scalars(select(DossierEvent.kind).where(
        DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.sequence)))


def assert_history_consistent(session: Session, dossier: Dossier) -> None:
    """Events numbered 1..n without gaps, each with exactly one outbox row."""
    sequences = list(session.scalars(select(DossierEvent.sequence).where(
        DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.sequence)))
    assert sequences == list(range(1, len(sequences) + 1))
    outbox = session.scalar(select(func.count()).select_from(OutboxEntry).where(
        OutboxEntry.dossier_id == dossier.id))
    assert outbox == len(sequences)


assert timeutil  # the clock patches motcua.core.timeutil.now, read by the routing engine
