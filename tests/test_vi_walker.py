"""Every page and form error of the Vietnamese UI is in Vietnamese, with fields named by
their labels: each officer of the test province walks the app (see tests/vi_walker.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from motcua.core.intake import DeskContext, give_guidance, refuse_at_desk
from motcua.core.models import Dossier, Procedure, Unit
from motcua.core.workflow import actions
from tests.conftest import login
from tests.factories import intake_data
from tests.test_workflow_support import receive
from tests.vi_walker import english_pattern, seed_urls, walk

ROLES = ("reception", "commune_reception", "specialist", "leader", "ict_admin")


@pytest.fixture
def codes(app, db, routing) -> list[str]:
    """Dossiers in the states the pages show (received, result ready with its number and
    summary, refused at the desk), a guidance slip, and every code a URL can name."""
    session = db.session
    with app.app_context():
        receive(session, app, routing)
        ready = receive(session, app, routing)
        actions.claim(session, ready, routing.account(session, "specialist"))
        actions.submit_for_approval(session, ready, routing.account(session, "specialist"))
        actions.approve(session, ready, routing.account(session, "leader"))
        actions.issue_result(session, ready, routing.account(session, "reception"), result={
            "number": "HKD-0001", "summary": "Cấp giấy chứng nhận hộ kinh doanh"})
        ctx = DeskContext(session, routing.account(session, "reception"), app.config["MOTCUA"])
        data = intake_data(routing.world)
        refuse_at_desk(ctx, {**data, "reason": "Hồ sơ không thuộc thẩm quyền"})
        give_guidance(ctx, procedure_code=data["procedure_code"], unit_code=data["unit_code"],
                      applicant_name="Nguyễn Văn An", applicant_phone=None,
                      submitted_documents=set())
        session.commit()
        values = [*session.scalars(select(Dossier.code)), *session.scalars(
            select(Procedure.code)), *session.scalars(select(Unit.code))]
        db.remove()
    return values


def _seeds(app, codes: list[str]) -> list[str]:
    # The citizen's page unlocked by the phone's last digits, as the applicant opens it.
    unlocked = [f"/tra-cuu/{code}?phone4=5678" for code in codes]
    return ["/", *seed_urls(app.url_map, codes), *unlocked]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_form_error_is_vietnamese(app, routing, codes, role):
    app.config["MOTCUA"].language = "vi"  # a deployment's default (the suite runs in English)
    client = login(app.test_client(), routing.world.accounts[role].username)
    result = walk(client, _seeds(app, codes), english_pattern())
    assert len(result.pages) > 5 and result.forms > 0, (result.pages, result.forms)
    assert not result.problems, "\n".join(sorted(set(result.problems))[:80])
