"""Units: ``motcua units list``, the administrators' index ``/admin/`` and
``/admin/units`` (scoped to the administrator's subtree)."""

from __future__ import annotations

from motcua.core.accounts import create_account
from motcua.core.cli import main
from motcua.core.models import Unit
from tests.conftest import login
from tests.factories import PASSWORD


def _units_cli(app, *args: str):  # noqa: ANN001, ANN202
    return app.test_cli_runner().invoke(main, ["units", "list", *args])


def test_units_list_shows_codes_names_levels_parents_and_functions(app, world, db):
    with app.app_context():
        db.session.get(Unit, world.finance_office.id).function = "finance"
        db.session.commit()
        db.remove()
    shown = _units_cli(app)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "KIND", "LEVEL", "PARENT", "FUNCTIONS"]
    finance = next(line for line in lines if line.startswith("H72.01.02 "))
    assert "Phòng Tài chính - Kế hoạch" in finance
    assert finance.split()[-4:] == ["department", "district", "H72.01", "finance"]
    ward = next(line for line in lines if line.startswith("X72.25747 "))
    assert ward.split()[-4:] == ["commune", "commune", "H72.01", "-"]
    # Tree order: each unit after its parent, siblings by code.
    codes = [line.split()[0] for line in lines[1:-1]]
    assert codes == ["H72", "H72.01", "H72.01.01", "H72.01.02", "X72.25747", "H72.02"]
    assert lines[-1] == "6 unit(s)."


def test_units_list_filters_by_function_and_subtree(app, world, db):
    with app.app_context():
        db.session.get(Unit, world.finance_office.id).function = "finance"
        db.session.commit()
        db.remove()
    by_function = _units_cli(app, "--function", "finance")
    assert by_function.exit_code == 0
    assert [line.split()[0] for line in by_function.output.splitlines()[1:-1]] == ["H72.01.02"]
    under = _units_cli(app, "--under", "h72.01")
    assert [line.split()[0] for line in under.output.splitlines()[1:-1]] == [
        "H72.01", "H72.01.01", "H72.01.02", "X72.25747"]
    none = _units_cli(app, "--under", "H72.02", "--function", "finance")
    assert none.exit_code == 0 and none.output.strip() == "No unit matches."


def test_units_list_refuses_an_unknown_code_with_an_error_line(app, world):
    unknown = _units_cli(app, "--under", "H00.99")
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: No unit with agency code H00.99."
    blank = _units_cli(app, "--function", " ")
    assert blank.exit_code == 1 and blank.output.startswith("Error: --function needs")


def _ward_admin(app, db, world) -> None:  # noqa: ANN001
    with app.app_context():
        ward = db.session.get(Unit, world.commune.id)
        create_account(db.session, username="cntt.phuong", password=PASSWORD,
                       full_name="Ngô Quản Trị Phường", unit=ward, roles=[("ict_admin", ward)])
        district = db.session.get(Unit, world.district.id)
        create_account(db.session, username="quantri.thanhpho", password=PASSWORD,
                       full_name="Hà Quản Trị", unit=district, roles=[("unit_admin", district)])
        db.session.commit()
        db.remove()


def _listed_units(response) -> list[str]:  # noqa: ANN001
    import re

    return re.findall(r'data-unit="([^"]+)"', response.get_data(as_text=True))


def test_admin_units_lists_only_the_administrators_subtree(app, world, db):
    _ward_admin(app, db, world)
    province = login(app.test_client(), "cntt")
    assert _listed_units(province.get("/admin/units")) == [
        "H72", "H72.01", "H72.01.01", "H72.01.02", "X72.25747", "H72.02"]
    district = login(app.test_client(), "quantri.thanhpho")
    assert _listed_units(district.get("/admin/units")) == [
        "H72.01", "H72.01.01", "H72.01.02", "X72.25747"]
    ward = login(app.test_client(), "cntt.phuong")
    assert _listed_units(ward.get("/admin/units")) == ["X72.25747"]
    # A unit outside the scope is refused by name, and nothing of it is shown.
    outside = ward.get("/admin/units?under=H72.01&lang=en")
    assert outside.status_code == 400
    assert "No unit with agency code H72.01 in your scope." in outside.get_data(as_text=True)
    assert _listed_units(outside) == []
    narrowed = district.get("/admin/units?under=X72.25747")
    assert narrowed.status_code == 200 and _listed_units(narrowed) == ["X72.25747"]


def test_admin_units_shows_codes_and_functions_in_vietnamese_and_english(app, world, db):
    with app.app_context():
        db.session.get(Unit, world.finance_office.id).function = "finance"
        db.session.commit()
        db.remove()
    client = login(app.test_client(), "cntt")
    english = client.get("/admin/units?lang=en&function=finance").get_data(as_text=True)
    assert _listed_units_text(english) == ["H72.01.02"]
    assert 'data-functions="finance"' in english and "Agency code" in english
    vietnamese = client.get("/admin/units?lang=vi").get_data(as_text=True)
    assert "Mã cơ quan" in vietnamese and "Đơn vị" in vietnamese


def _listed_units_text(text: str) -> list[str]:
    import re

    return re.findall(r'data-unit="([^"]+)"', text)


def test_admin_index_links_the_pages_each_administrator_may_open(app, world, db):
    _ward_admin(app, db, world)
    province = login(app.test_client(), "cntt").get("/admin/?lang=en")
    assert province.status_code == 200
    pages = _pages(province)
    assert pages == ["admin.units", "accounts_admin.index", "reports.periodic",
                     "plugins_admin.index", "sync_pages.overview", "audit.viewer"]
    district = _pages(login(app.test_client(), "quantri.thanhpho").get("/admin/"))
    assert district == ["admin.units", "reports.periodic"]
    # Every link the index offers opens for that account.
    client = login(app.test_client(), "quantri.thanhpho")
    for href in ("/admin/units", "/reports/periodic"):
        assert client.get(href).status_code == 200
    # The staff menu leads administrators there, and nobody else.
    queues = client.get("/department/").get_data(as_text=True)
    assert 'data-nav="admin"' in queues
    desk = login(app.test_client(), "letan")
    assert 'data-nav="admin"' not in desk.get("/").get_data(as_text=True)
    # Officers who administer nothing are refused the index.
    assert desk.get("/admin/").status_code == 403
    assert app.test_client().get("/admin/").status_code in (302, 401)


def _pages(response) -> list[str]:  # noqa: ANN001
    import re

    return re.findall(r'data-page="([^"]+)"', response.get_data(as_text=True))


def test_listing_views_agree_with_single_views(app, world, db):
    from motcua.core.plugin_manager.units import unit_view, unit_views
    from motcua.core.units import list_units

    with app.app_context():
        units = list_units(db.session)
        assert unit_views(db.session, units) == [unit_view(db.session, u) for u in units]
        db.remove()
