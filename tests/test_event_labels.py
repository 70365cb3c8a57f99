"""Every event kind the core (and so every plugin, through the SDK's services) records is
named in words on every page that shows a dossier's history, in Vietnamese and English;
one function (motcua.core.event_labels.event_label) names them; a plugin names its own
kinds in ``MOTCUA_EVENT_LABELS``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from motcua.core.event_labels import STAFF_LABELS, event_label
from motcua.core.events import record_event
from motcua.core.models import Dossier
from motcua_sdk import ProcedureSpec, hookimpl

ROOT = Path(__file__).resolve().parent.parent
CODE = "9.000084"
# A recorded kind in the code: record_event(session, dossier, "kind" ...) or the routing
# actions' _record(session, move, "kind" ...).
RECORDED = re.compile(r'(?:record_event|_record)\(\s*[^,()]+,\s*[^,()]+,\s*"([a-z_]+)"')


def recorded_kinds() -> set[str]:
    """Every event kind a core module or an example plugin records, read from the code,
    so a kind added later without a label fails this test."""
    kinds = set()
    for folder in ("core", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            kinds.update(RECORDED.findall(path.read_text(encoding="utf-8")))
    return kinds


class SurveyPlugin:
    """Records a kind of its own and names it."""

    MOTCUA_API = ">=0.1,<0.3"
    MOTCUA_EVENT_LABELS = {"site_surveyed": "Site surveyed",
                           "claimed": "A plugin cannot rename a core kind"}

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=CODE, name="Thủ tục thử nhãn sự kiện", field="Thử nghiệm", level="district",
            processing_days=4, result_type="Giấy phép",
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"}])]


@pytest.fixture
def motcua_extra_plugins():
    return [("survey", SurveyPlugin())]


def test_the_code_records_the_kinds_the_issue_named():
    kinds = recorded_kinds()
    assert {"specialist_data_updated", "claimed", "submitted_for_approval", "received",
            "file_attached", "fee_paid"} <= kinds
    assert len(kinds) >= 20


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_recorded_kind_is_shown_in_words_on_the_dossier_pages(
        motcua_app, motcua_flow, motcua_clients, language):
    kinds = sorted(recorded_kinds())
    code = motcua_flow.take_in(CODE).code
    with motcua_app.app_context():
        session = motcua_app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        for kind in [*kinds, "site_surveyed"]:
            record_event(session, dossier, kind, actor=None, from_status=dossier.status)
        session.commit()
        motcua_app.extensions["motcua.db"].remove()

    with motcua_app.test_request_context(f"/?lang={language}"):
        labels = {kind: event_label(kind) for kind in kinds}
    for page_path in (f"/dossiers/{code}", f"/department/dossiers/{code}"):
        page = motcua_clients.leader.get(f"{page_path}?lang={language}")
        assert page.status_code == 200
        shown = re.findall(r"<strong>([^<]*)</strong>", page.get_data(as_text=True))
        for kind in kinds:
            assert kind not in shown and kind.replace("_", " ") not in shown, (page_path, kind)
            assert labels[kind] in shown, (page_path, kind, labels[kind])
        assert "Site surveyed" in shown
    if language == "vi":
        with motcua_app.test_request_context("/?lang=en"):
            english = {kind: event_label(kind) for kind in kinds}
        untranslated = [kind for kind in kinds if labels[kind] == english[kind]]
        assert untranslated == []


def test_a_plugin_cannot_rename_a_core_kind(motcua_app):
    with motcua_app.test_request_context("/?lang=en"):
        assert event_label("claimed") == "Claimed"
        assert event_label("site_surveyed") == "Site surveyed"
        # Nobody's kind: named by the status it led to, else in words.
        assert event_label("mystery_step", "in_processing") == "In processing"
        assert event_label("mystery_step") == "mystery step"


def test_the_citizen_vocabulary_names_internal_steps_by_their_status(motcua_app):
    with motcua_app.test_request_context("/?lang=en"):
        assert event_label("received", public=True) == "Dossier received"
        assert event_label("claimed", "in_processing", public=True) == "In processing"
        assert event_label("fee_paid", public=True) == "Fee paid"
        assert event_label("site_surveyed", public=True) == "Site surveyed"


def test_every_core_label_is_a_recorded_or_synced_kind():
    """The table names no kind nobody records (a renamed kind would leave its label
    behind)."""
    assert set(STAFF_LABELS) <= recorded_kinds()
