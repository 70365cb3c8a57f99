"""The lookup on a hub, answered from the read model the nodes push to (real HTTP sync)."""

from __future__ import annotations

import pytest

from motcua.core.sync.node import drain
from tests.test_sync_helpers import province, receive


@pytest.fixture
def hub_and_code(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = receive(p.nodes["north"], p.worlds["north"], name="Trần Thị Bình",
                       phone="0987 654 321")
        assert drain(p.node("north")).error is None
        yield p.hub, code


@pytest.mark.parametrize("phone4", ["١٢٣٤", "４３２１"])
def test_hub_lookup_refuses_non_ascii_digits_with_400(hub_and_code, phone4):
    hub, code = hub_and_code
    client = hub.test_client()
    api = client.get(f"/api/lookup/{code}", query_string={"phone4": phone4})
    assert api.status_code == 400
    assert api.get_json()["dossier"]["verified"] is False
    page = client.get(f"/tra-cuu/{code}", query_string={"phone4": phone4})
    assert page.status_code == 400


def test_hub_lookup_unlocks_with_the_ascii_digits(hub_and_code):
    hub, code = hub_and_code
    answer = hub.test_client().get(f"/api/lookup/{code}", query_string={"phone4": "4321"})
    assert answer.status_code == 200
    assert answer.get_json()["verified"] is True
