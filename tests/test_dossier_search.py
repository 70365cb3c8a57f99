"""Find a dossier (issue #15): one box for code, applicant name, citizen ID and phone, in
the officer's scope; the filters and paging of the search page, the queues and the API;
on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from motcua.core import migrate
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Dossier
from motcua.core.models.dossiers import search_columns
from motcua.core.web.dossier_search import Filters, query_condition, search
from motcua.core.workflow import actions
from tests.conftest import login
from tests.factories import applicant, intake_data, make_procedure
from tests.test_api import make_token
from tests.test_workflow_support import receive, vn

NFD = "NFD"


@dataclass
class People:
    """Three dossiers at the district desk and one at the other district's desk."""

    do: str  # Đỗ Thị Ánh
    an: str  # Nguyễn Văn An
    binh: str  # Trần Thị Bình
    other: str  # Đỗ Văn Khác, at the other district: outside the district desk's scope


@pytest.fixture
def people(app, db, routing, clock) -> People:
    with app.app_context():
        session = db.session
        do = receive(session, app, routing, applicant=applicant(
            name="Đỗ Thị Ánh", citizen_id="072090001111", phone="0912 345 678"))
        an = receive(session, app, routing, applicant=applicant(
            name="Nguyễn Văn An", citizen_id="072090002222", phone="0987654321"))
        clock.set(vn(2026, 12, 7, 10, 0))
        binh = receive(session, app, routing, applicant=applicant(
            name="Trần Thị Bình", citizen_id="072090003333", phone=None))
        world = routing.world
        elsewhere = make_procedure(
            session, code="2.000001", name="Cấp giấy phép xây dựng", field="Xây dựng",
            days=5, fee=0, result="Giấy phép", units=[world.other_district],
            documents=[("Đơn đề nghị", True)])
        other = take_in(
            DeskContext(session, routing.account(session, "other_reception"),
                        app.config["MOTCUA"]),
            intake_data(world, procedure_code=elsewhere.code,
                        unit_code=world.other_district.code,
                        submitted_documents=[elsewhere.documents[0].id],
                        applicant=applicant(name="Đỗ Văn Khác", citizen_id="072090009999",
                                            phone="0911111111")))
        session.commit()
        codes = People(do.code, an.code, binh.code, other.code)
        db.remove()
    return codes


def found(app, db, routing, account: str, query: str, filters: Filters | None = None,
          **paging) -> list[str]:
    with app.app_context():
        session = db.session
        page = search(session, routing.account(session, account), query,
                      filters or Filters(), **paging)
        db.remove()
    return [dossier.code for dossier in page.items]


def test_search_columns_fold_the_name_in_any_unicode_form_and_the_phone_to_national():
    for name in ("Đỗ Thị Ánh", unicodedata.normalize(NFD, "Đỗ Thị Ánh"), "  ĐỖ  THỊ ÁNH "):
        assert search_columns(name, None)["search_name"] == "do thi anh"
    for phone in ("+84 912 345 678", "84912345678", "0912.345.678", "+84 (0) 912-345-678"):
        assert search_columns("x", phone)["search_phone"] == "0912345678"
    assert search_columns("x", "")["search_phone"] is None
    assert search_columns("Nguyễn Thị A-Lan (Hộ KD)", None)["search_name"] == (
        "nguyen thi a lan ho kd")


def test_the_model_keeps_the_search_columns_on_every_write(app, db, routing, people):
    with app.app_context():
        session = db.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == people.do))
        assert (dossier.search_name, dossier.search_phone) == ("do thi anh", "0912345678")
        dossier.applicant_name = "Đặng Thị Ánh"
        dossier.applicant_phone = "+84 987 000 111"
        session.commit()
        row = session.execute(text("SELECT search_name, search_phone FROM dossiers "
                                   "WHERE code = :code"), {"code": people.do}).one()
        assert tuple(row) == ("dang thi anh", "0987000111")
        db.remove()


@pytest.mark.parametrize("query", [
    "Đỗ", "đỗ", "ĐỖ", "do", "Do Thi", "thi anh", "ánh", "ANH",
    unicodedata.normalize(NFD, "Đỗ Thị Ánh"), unicodedata.normalize(NFD, "đỗ"),
])
def test_a_name_is_found_with_or_without_diacritics_in_any_form(app, db, routing, people,
                                                                 query):
    # Each typed word starts a word of the name: "an" would also find "Ánh"; "do" does
    # not find "Nguyễn Văn An"; SQLite's lower() alone does not fold "Đ".
    assert found(app, db, routing, "reception", query) == [people.do]


def test_every_word_must_begin_a_word_of_the_name(app, db, routing, people):
    assert found(app, db, routing, "reception", "van an") == [people.an]
    assert found(app, db, routing, "reception", "an") == [people.an, people.do]
    assert found(app, db, routing, "reception", "nh") == []
    assert found(app, db, routing, "reception", "do van") == []
    assert found(app, db, routing, "reception", "100%_") == []


@pytest.mark.parametrize("query", [
    "0912345678", "0912 345 678", "0912.345.678", "+84912345678", "+84 912 345 678",
    "84912345678", "+84 (0) 912 345 678", "072090001111", "0720 9000 1111",
])
def test_a_phone_in_any_format_or_the_citizen_id_finds_the_dossier(app, db, routing, people,
                                                                   query):
    assert found(app, db, routing, "reception", query) == [people.do]


def test_a_dossier_outside_the_scope_is_never_found(app, db, routing, people):
    with app.app_context():
        other = db.session.scalar(select(Dossier).where(Dossier.code == people.other))
        assert other.search_name == "do van khac"
        db.remove()
    for query in (people.other, "Khác", "do van", "0911111111", "072090009999"):
        assert found(app, db, routing, "reception", query) == []
    # The other district's desk finds its own, and not the district's.
    assert found(app, db, routing, "other_reception", "do") == [people.other]
    assert found(app, db, routing, "other_reception", people.do) == []
    assert found(app, db, routing, "ict_admin", "do") == [people.other, people.do]


def test_filters_and_paging(app, db, routing, people, clock):
    with app.app_context():
        session = db.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == people.an))
        actions.claim(session, dossier, routing.account(session, "specialist"))
        session.commit()
        db.remove()
    assert found(app, db, routing, "reception", "", Filters(officer="chuyenvien")) == [
        people.an]
    assert found(app, db, routing, "reception", "", Filters(status="in_processing")) == [
        people.an]
    assert found(app, db, routing, "reception", "thi", Filters(status="received")) == [
        people.binh, people.do]
    assert found(app, db, routing, "reception", "", Filters(procedure="2.000001")) == []
    assert found(app, db, routing, "reception", "", Filters(overdue=True)) == []
    clock.set(vn(2027, 1, 20, 9, 0))  # past every deadline
    assert found(app, db, routing, "reception", "", Filters(overdue=True)) == [
        people.binh, people.an, people.do]
    # Newest first, one per page.
    pages = [found(app, db, routing, "reception", "", page=n, per_page=1) for n in (1, 2, 3, 4)]
    assert pages == [[people.binh], [people.an], [people.do], []]


def test_a_dossier_whose_clock_is_stopped_is_not_overdue_in_any_list(app, db, routing,
                                                                     people, clock):
    # The API's overdue filter once listed a dossier waiting for a supplement; it now asks
    # the queues' rule.
    with app.app_context():
        session = db.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == people.an))
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        actions.request_supplement(session, dossier, specialist, missing=["Bản sao CCCD"])
        session.commit()
        db.remove()
    clock.set(vn(2027, 1, 20, 9, 0))
    overdue = [people.binh, people.do]
    assert found(app, db, routing, "reception", "", Filters(overdue=True)) == overdue
    auth = {"Authorization": f"Bearer {make_token(app, routing.accounts['reception'].id)}"}
    listed = app.test_client().get("/api/v1/dossiers?overdue=true", headers=auth).get_json()
    assert [item["code"] for item in listed["items"]] == overdue


# --- web -----------------------------------------------------------------------------------


def test_the_header_box_on_desk_and_department_pages(app, routing, people):
    client = login(app.test_client(), "letan")
    for page in ("/", "/department/", f"/dossiers/{people.do}"):
        html = client.get(page).get_data(as_text=True)
        assert 'data-dossier-search' in html and "js/scanner.js" in html, page
        assert "<script>" not in html
    assert client.get("/static/js/scanner.js").status_code == 200


def test_the_search_page_lists_matches_and_opens_an_exact_code(app, routing, people):
    desk = login(app.test_client(), "letan")
    response = desk.get("/department/search", query_string={"q": "đỗ"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-dossier="{people.do}"' in html and people.an not in html
    assert "Đỗ Thị Ánh" in html and "Đăng ký thành lập hộ kinh doanh" in html
    # A scanned or typed code opens the dossier: the desk's page at its desk ...
    response = desk.get("/department/search", query_string={"q": people.do.lower() + " "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dossiers/{people.do}")
    # ... the work page for a department officer.
    specialist = login(app.test_client(), "chuyenvien")
    response = specialist.get("/department/search", query_string={"q": people.do})
    assert response.headers["Location"].endswith(f"/department/dossiers/{people.do}")
    # Another unit's code is not found, and says so.
    response = desk.get("/department/search", query_string={"q": people.other})
    assert response.status_code == 404
    assert f"No dossier with code {people.other} in your scope." in response.get_data(
        as_text=True)


def test_the_search_page_pages_and_refuses_bad_filters(app, routing, people):
    desk = login(app.test_client(), "letan")
    first = desk.get("/department/search?q=thi&per_page=1").get_data(as_text=True)
    assert people.binh in first and people.do not in first
    assert "Page 1 of 2" in first and "page=2" in first and "q=thi" in first
    second = desk.get("/department/search?q=thi&per_page=1&page=2").get_data(as_text=True)
    assert people.do in second and people.binh not in second
    for bad, message in (("status=late", "Unknown status late"),
                         ("overdue=maybe", "overdue must be true or false"),
                         ("page=0", "page must be a whole number from 1 to 2147483647"),
                         ("per_page=1000", "per_page must be a whole number from 1 to 100")):
        response = desk.get(f"/department/search?{bad}")
        assert response.status_code == 400, bad
        assert message in response.get_data(as_text=True), bad


def test_the_queues_filter_and_page(app, db, routing, people, clock):
    specialist = login(app.test_client(), "chuyenvien")
    unit = specialist.get("/department/?scope=unit").get_data(as_text=True)
    assert all(f'data-dossier="{code}"' in unit for code in (people.do, people.an, people.binh))
    assert 'name="procedure"' in unit and 'name="officer"' in unit
    paged = specialist.get("/department/?scope=unit&per_page=2&page=2").get_data(as_text=True)
    assert paged.count("<tr data-dossier=") == 1 and "Page 2 of 2" in paged
    none = specialist.get("/department/?scope=unit&procedure=2.000001").get_data(as_text=True)
    assert "data-empty" in none
    assert "data-empty" in specialist.get("/department/?scope=unit&overdue=1").get_data(
        as_text=True)
    clock.set(vn(2027, 1, 20, 9, 0))
    late = specialist.get("/department/?scope=unit&overdue=1").get_data(as_text=True)
    assert late.count("<tr data-dossier=") == 3
    assert specialist.get("/department/?scope=unit&status=nope").status_code == 400


# --- API -----------------------------------------------------------------------------------


def test_the_api_searches_in_scope_with_paging(app, routing, people):
    client = app.test_client()
    auth = {"Authorization": f"Bearer {make_token(app, routing.accounts['reception'].id)}"}

    def codes(**query) -> list[str]:
        response = client.get("/api/v1/dossiers", query_string=query, headers=auth)
        assert response.status_code == 200, response.get_json()
        return [item["code"] for item in response.get_json()["items"]]

    assert codes(q="do") == [people.do]
    assert codes(q="+84 912 345 678") == [people.do]
    assert codes(q=unicodedata.normalize(NFD, "Đỗ")) == [people.do]
    assert codes(q=people.other) == [] and codes(q="khac") == []
    page = client.get("/api/v1/dossiers", query_string={"q": "thi", "per_page": 1, "page": 2},
                      headers=auth).get_json()
    assert (page["total"], [item["code"] for item in page["items"]]) == (2, [people.do])
    bad = client.get("/api/v1/dossiers?status=late", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["field"] == "status"
    spec = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/v1/dossiers"]["get"]["parameters"]}
    assert {"q", "officer", "status", "procedure", "overdue", "page", "per_page"} <= names


def test_the_migration_back_fills_the_search_columns(app, db, routing, people):
    engine = db.engine
    migrate.downgrade(engine, "0004_dossier_search-1")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = dict(connection.execute(text(
            "SELECT search_name, search_phone FROM dossiers WHERE code = :code"),
            {"code": people.do}).one()._mapping)
    assert rows == {"search_name": "do thi anh", "search_phone": "0912345678"}


def test_postgresql_finds_name_words_through_the_index(app, db, backend, people):
    if backend != "postgresql":
        pytest.skip("SQLite compares with LIKE; a unit's database is small")
    with app.app_context():
        session = db.session
        session.execute(text("SET LOCAL enable_seqscan = off"))
        statement = select(Dossier.id).where(query_condition("Đỗ thị"))
        sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
        assert "ix_dossiers_search_words" in plan, plan
        db.remove()
