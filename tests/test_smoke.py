from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Dossier, DossierEvent, OutboxEntry
from sqlalchemy import func, select

from tests.factories import intake_data


def test_intake_writes_dossier_event_and_outbox_together(app, db, world):
    with app.app_context():
        session = db.session
        actor = session.get(type(world.accounts["reception"]), world.accounts["reception"].id)
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), intake_data(world))
        session.commit()
        assert dossier.code.startswith("H72.01.01-")
        assert session.scalar(select(func.count()).select_from(DossierEvent)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 1
        assert session.scalar(select(func.count()).select_from(Dossier)) == 1
