"""The demo catalogue (core/data/demo_catalogue.json), its blank forms and workflows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.demo.geography import Geography
from motcua.core.models import Account, Procedure, ProcedureDocument, Workflow
from motcua.core.text import fold
from motcua.core.workflow.definitions import save_workflow

DATA = Path(__file__).resolve().parent.parent / "data"


def load_entries() -> list[dict]:
    """The procedures of the demo catalogue, as stored in the data file."""
    return json.loads((DATA / "demo_catalogue.json").read_text(encoding="utf-8"))["procedures"]


def workflow_steps(entry: dict) -> list[dict]:
    """Specialist review in the unit doing the work, then the leader's signature."""
    days = entry["days"]
    leader_days = 0.5 if days <= 3 else 1.0 if days <= 10 else 2.0
    review_days = max(days - leader_days, 0.5)
    selector = f"function:{entry['function']}"
    leader_unit = "parent" if entry["level"] == "commune" else selector
    return [
        {"name": "Thẩm định hồ sơ", "role": "specialist", "days": review_days,
         "unit": selector},
        {"name": "Phê duyệt, ký kết quả", "role": "leader", "days": leader_days,
         "unit": leader_unit},
    ]


def build_catalogue(session: Session, geography: Geography, ict_admin: Account
                    ) -> list[Procedure]:
    """Create the procedures with their receiving units, documents and workflows."""
    procedures = []
    for entry in load_entries():
        receiving = ([commune.desk for commune in geography.communes]
                     if entry["level"] == "commune" else [geography.centre])
        procedure = session.scalar(select(Procedure).where(Procedure.code == entry["code"]))
        if procedure is not None:
            # Already in the catalogue (a plugin registers the procedures it handles at
            # `motcua init`): keep its text, documents and workflow; receive it here too.
            procedure.receiving_units.extend(
                unit for unit in receiving if unit not in procedure.receiving_units)
        else:
            procedure = Procedure(
                code=entry["code"], name=entry["name"], field=entry["field"],
                level=entry["level"],
                search_text=fold(f"{entry['code']} {entry['name']} {entry['field']}"),
                processing_days=entry["days"], fee=entry["fee"],
                fee_note=entry.get("fee_note"), result_type=entry["result"],
                receiving_units=receiving,
            )
            for position, (name, required, form) in enumerate(entry["documents"]):
                procedure.documents.append(ProcedureDocument(
                    position=position, name=name, required=required, form_filename=form))
            session.add(procedure)
        session.flush()
        has_workflow = session.scalar(
            select(Workflow.id).where(Workflow.procedure_id == procedure.id).limit(1))
        if has_workflow is None:
            save_workflow(session, procedure, workflow_steps(entry), ict_admin,
                          note="Quy trình mẫu của bộ dữ liệu trình diễn")
        procedures.append(procedure)
    return procedures


def copy_forms(forms_path: Path) -> int:
    """Copy the catalogue's blank forms into the instance's forms folder."""
    forms_path.mkdir(parents=True, exist_ok=True)
    names = {form for entry in load_entries() for _, _, form in entry["documents"] if form}
    for name in sorted(names):
        shutil.copyfile(DATA / "forms" / name, forms_path / name)
    return len(names)
