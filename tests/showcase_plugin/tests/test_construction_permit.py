"""Tests of the construction_permit plugin, with the motcua test kit (fixtures ``motcua_*``)."""

from __future__ import annotations

from motcua_sdk import signals
from sqlalchemy import inspect

from motcua_construction_permit import PROCEDURE_CODE, motcua_models, motcua_sample_dossiers


def test_the_plugin_is_enabled_and_its_procedure_is_in_the_catalogue(motcua_app, motcua_clients):
    manager = motcua_app.extensions["motcua.plugins"]
    assert manager.records["construction_permit"].state == "enabled"
    page = motcua_clients.specialist.get("/construction_permit/")
    assert page.status_code == 200
    assert "Construction permit" in page.get_data(as_text=True)


def test_its_tables_match_its_models(motcua_app):
    engine = motcua_app.extensions["motcua.db"].engine
    inspector = inspect(engine)
    for table in motcua_models().tables.values():
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys())


def test_a_dossier_goes_from_the_desk_to_an_issued_certificate(motcua_flow, motcua_clients):
    heard = []

    def listen(dossier, event):
        heard.append((dossier.code, event.data["number"]))

    signals.result_issued.connect(listen)
    try:
        sample = motcua_sample_dossiers()[0]
        dossier = motcua_flow.take_in_sample(sample)
        assert dossier.status == "received"
        assert dossier.specialist_data["subject"] == sample.specialist_data["subject"]
        queue = motcua_clients.specialist.get("/construction_permit/").get_data(as_text=True)
        assert f'data-code="{dossier.code}"' in queue
        finished = motcua_flow.finish(dossier.code)
    finally:
        signals.result_issued.disconnect(listen)
    assert finished.status == "returned"
    number = finished.result["number"]
    assert number.startswith("0001/") and number.endswith("/CONSTRUCTION-PERMIT")
    assert heard == [(dossier.code, number)]
    page = motcua_clients.leader.get(f"/construction_permit/certificate/{dossier.code}")
    assert page.status_code == 200
    assert number in page.get_data(as_text=True)
    register = motcua_clients.leader.get("/construction_permit/").get_data(as_text=True)
    assert f'data-number="{number}"' in register
    assert f'data-code="{dossier.code}"' not in register  # finished: out of the queue


def test_bad_specialist_data_is_refused(motcua_flow):
    import pytest

    with pytest.raises(Exception, match="subject"):
        motcua_flow.take_in(PROCEDURE_CODE, specialist_data={"area_m2": 10})
