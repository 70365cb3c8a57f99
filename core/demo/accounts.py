"""Demo officers: one account per role, all sharing one printed password."""

from __future__ import annotations

from sqlalchemy.orm import Session

from motcua.core.accounts import grant_role
from motcua.core.demo.geography import Geography
from motcua.core.models import Account, Unit

DEMO_PASSWORD = "demo-2026"


def _account(session: Session, username: str, full_name: str, unit: Unit,
             roles: list[tuple[str, Unit]], password_hash: str, title: str) -> Account:
    account = Account(username=username, full_name=full_name, unit=unit, title=title,
                      password_hash=password_hash)
    for role, scope in roles:
        grant_role(account, role, scope)
    session.add(account)
    return account


def build_accounts(session: Session, geography: Geography, password_hash: str
                   ) -> dict[str, Account]:
    """The printed demo accounts plus the officers the dossiers' history needs.

    Every account gets ``password_hash`` (the shared password hashed once: argon2 is slow
    on purpose and a demo needs a few dozen accounts).
    """
    g = geography
    first = g.communes[0]
    printed = {
        "letan": ("Nguyễn Thị Lan", g.centre, [("reception", g.centre)], "Công chức tiếp nhận"),
        f"letan.{first.slug}": ("Trần Văn Phúc", first.desk, [("reception", first.desk)],
                                "Công chức một cửa"),
        "chuyenvien": ("Lê Minh Tuấn", g.departments["land"],
                       [("specialist", g.departments["land"])], "Chuyên viên"),
        "lanhdao": ("Phạm Quốc Hùng", g.province, [("leader", g.province)], "Phó Chủ tịch"),
        "quantri": ("Võ Thị Hồng", g.centre, [("unit_admin", g.province)], "Quản trị đơn vị"),
        "cntt": ("Đỗ Thanh Bình", g.province, [("ict_admin", g.province)], "Quản trị CNTT"),
    }
    accounts = {username: _account(session, username, name, unit, roles, password_hash, title)
                for username, (name, unit, roles, title) in printed.items()}
    # Behind the scenes: who receives, reviews and signs everywhere else.
    for commune in g.communes[1:]:
        _account(session, f"letan.{commune.slug}", f"Công chức một cửa {commune.slug}",
                 commune.desk, [("reception", commune.desk)], password_hash,
                 "Công chức một cửa")
    for commune in g.communes:
        for part, label in ((commune.economy, "kinhte"), (commune.office, "vanphong")):
            _account(session, f"chuyenvien.{label}.{commune.slug}", f"Chuyên viên {part.name}",
                     part, [("specialist", part)], password_hash, "Chuyên viên")
        _account(session, f"lanhdao.{commune.slug}", f"Lãnh đạo {commune.unit.name}",
                 commune.unit, [("leader", commune.unit)], password_hash, "Chủ tịch UBND")
    # Each department and the tax office: a specialist who reviews (the land one is the
    # printed `chuyenvien`) and a leader who signs what the workflow has it sign there.
    for function, unit in g.departments.items():
        if function != "land":
            _account(session, f"chuyenvien.{function}", f"Chuyên viên {unit.name}", unit,
                     [("specialist", unit)], password_hash, "Chuyên viên")
        _account(session, f"lanhdao.{function}", f"Lãnh đạo {unit.name}", unit,
                 [("leader", unit)], password_hash, "Lãnh đạo")
    session.flush()
    return accounts


# The accounts `motcua demo` prints: everyone a new user needs to walk a dossier of each
# kind from the desk through the department (and the tax office) to the leader and back,
# at the province's service centre and at the first commune ({commune}, found again from
# its desk account when an existing demo is described).
PRINTED = (
    "letan", "chuyenvien", "lanhdao.land", "chuyenvien.finance", "lanhdao.finance",
    "chuyenvien.justice", "lanhdao.justice", "chuyenvien.construction",
    "lanhdao.construction", "chuyenvien.tax", "lanhdao.tax", "lanhdao",
    "letan.{commune}", "chuyenvien.kinhte.{commune}", "chuyenvien.vanphong.{commune}",
    "lanhdao.{commune}", "quantri", "cntt",
)
ROLE_LABELS = {"reception": "reception", "specialist": "specialist", "leader": "leader",
               "unit_admin": "unit admin", "ict_admin": "ICT admin"}


def describe_roles(account: Account) -> str:
    """``specialist, Sở Tài chính tỉnh Tây Ninh``: each role with the unit it covers."""
    return "; ".join(f"{ROLE_LABELS.get(assignment.role, assignment.role)}, "
                     f"{assignment.unit.name}" for assignment in account.roles)
