"""Finding dossiers by specialist data: the fields a plugin marks ``index`` are kept in
the search index on intake and on each update, ``motcua dossiers reindex`` rebuilds it,
and the desk's search page and the API's search find dossiers by them (a code whole, a
name without diacritics), only within the officer's scope."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from motcua.core.accounts import issue_api_token
from motcua.core.commands.dossiers import dossiers_group
from motcua.core.models import Account, SpecialistSearchTerm
from motcua_sdk.testing import core_testing
from tests.plot_plugin import CODE, GOOD, PlotPlugin


@pytest.fixture
def motcua_extra_plugins():
    return [("plots", PlotPlugin())]


def api_client(app, role: str):  # noqa: ANN001, ANN201
    with app.app_context():
        database = app.extensions["motcua.db"]
        account = database.session.scalar(select(Account).where(
            Account.username == core_testing().USERNAMES[role]))
        token = issue_api_token(database.session, account, "test")
        database.session.commit()
        database.remove()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def api_found(client, query: str) -> list[str]:  # noqa: ANN001
    response = client.get("/api/v1/dossiers", query_string={"q": query})
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def page_found(client, query: str) -> bool:  # noqa: ANN001
    html = client.get("/department/search", query_string={"q": query}).get_data(as_text=True)
    return "data-dossier=" in html


def terms(app, code: str) -> set[tuple[str, str, str]]:  # noqa: ANN001
    from motcua.core.models import Dossier

    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            dossier = database.session.scalar(select(Dossier).where(Dossier.code == code))
            return {(t.field, t.kind, t.value) for t in database.session.scalars(
                select(SpecialistSearchTerm).where(SpecialistSearchTerm.dossier_id ==
                                                   dossier.id))}
        finally:
            database.remove()


def test_intake_indexes_the_marked_fields_only(motcua_app, motcua_flow):
    dossier = motcua_flow.take_in(CODE, specialist_data={
        **GOOD, "neighbours": [{"name": "Lê Văn Cường", "side": "north"}]})
    assert terms(motcua_app, dossier.code) == {
        ("plot_number", "code", "12/345"), ("owner_name", "text", "tran thi binh"),
        ("neighbours.name", "text", "le van cuong")}


@pytest.mark.parametrize("query", ["12/345", " 12 / 345 ", "tran thi", "Trần Thị Bình",
                                   "BINH", "cuong"])
def test_the_api_and_the_search_page_find_a_dossier_by_its_specialist_data(
        motcua_app, motcua_flow, motcua_clients, query):
    dossier = motcua_flow.take_in(CODE, specialist_data={
        **GOOD, "neighbours": [{"name": "Lê Văn Cường", "side": "north"}]})
    other = motcua_flow.take_in(CODE, specialist_data={
        **GOOD, "plot_number": "12/346", "owner_name": "Phạm Văn Dũng"})
    found = api_found(api_client(motcua_app, "reception"), query)
    assert dossier.code in found and other.code not in found
    assert page_found(motcua_clients.reception, query)


def test_a_code_matches_whole_not_by_its_beginning(motcua_app, motcua_flow):
    motcua_flow.take_in(CODE, specialist_data=GOOD)
    client = api_client(motcua_app, "reception")
    assert api_found(client, "12/34") == []
    assert api_found(client, "Bình Minh") == []


def test_an_officer_outside_the_scope_finds_nothing(motcua_app, motcua_flow, motcua_clients):
    motcua_flow.take_in(CODE, specialist_data=GOOD)
    assert api_found(api_client(motcua_app, "tax_officer"), "12/345") == []
    assert not page_found(motcua_clients.tax_officer, "12/345")
    assert api_found(api_client(motcua_app, "reception"), "12/345")


def test_an_update_through_the_sdk_rewrites_the_index(motcua_app, motcua_flow,
                                                      motcua_clients):
    dossier = motcua_flow.take_in(CODE, specialist_data=GOOD)
    response = motcua_clients.specialist.post(f"/plots/{dossier.code}/data", json={
        "data": {**GOOD, "plot_number": "7/89"}})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    client = api_client(motcua_app, "reception")
    assert api_found(client, "7/89") == [dossier.code]
    assert api_found(client, "12/345") == []


def test_reindex_fills_the_index_of_dossiers_written_before(motcua_app, motcua_flow):
    dossier = motcua_flow.take_in(CODE, specialist_data=GOOD)
    with motcua_app.app_context():
        database = motcua_app.extensions["motcua.db"]
        database.session.execute(delete(SpecialistSearchTerm))
        database.session.commit()
        database.remove()
    client = api_client(motcua_app, "reception")
    assert api_found(client, "12/345") == []
    result = motcua_app.test_cli_runner().invoke(dossiers_group, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "Reindexed 1 dossiers: 2 specialist values are searchable." in result.output
    assert api_found(client, "12/345") == [dossier.code]
    # Again: the same index, not twice the rows.
    motcua_app.test_cli_runner().invoke(dossiers_group, ["reindex"])
    assert len(terms(motcua_app, dossier.code)) == 2
