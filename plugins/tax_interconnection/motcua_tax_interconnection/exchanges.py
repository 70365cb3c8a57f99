"""Opening exchanges with the tax office and applying its answers.

An answer is applied in the same way whoever brings it (the tax officer on this
system's screen, or the adapter fetching it from the tax authority's system): recorded
on the exchange and attached to the dossier with :func:`motcua_sdk.services.annotate`,
whose ``annotated`` signal lets the business registration plugin write the tax code
into its register without either plugin importing the other.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_sdk import services, thaw
from motcua_tax_interconnection import settings
from motcua_tax_interconnection.models import Exchange
from motcua_tax_interconnection.schemas import load_answer

log = logging.getLogger(__name__)
PLUGIN = "tax_interconnection"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


# What a household business's tax office needs to know (the business's "tax profile").
PROFILE = ("business_name", "address", "business_lines", "capital", "workers", "owner")


def _owner(owner: dict | None) -> dict | None:
    if not owner:
        return None
    return {"full_name": owner.get("full_name"), "citizen_id": owner.get("citizen_id"),
            "birth_date": owner.get("birth_date"), "address": owner.get("address")}


def _lines(lines: list | None) -> list[str] | None:
    return None if lines is None else [line.get("vsic") for line in lines]


def _previous_profile(session: Session, number: str | None) -> dict[str, Any]:
    """The household's profile as last sent to the tax office (empty if never)."""
    if not number:
        return {}
    previous = session.scalars(
        select(Exchange).where(Exchange.kind == "business",
                               Exchange.payload["registration_number"].as_string() == number)
        .order_by(Exchange.id.desc()).limit(1)).first()
    return {key: previous.payload.get(key) for key in PROFILE} if previous else {}


def business_payload(session: Session, dossier) -> dict[str, Any]:  # noqa: ANN001 - a DossierView
    """What the tax office needs of a household business just registered or changed:
    always the whole profile after the dossier (not only what changed).

    A registration (1.001612) carries the whole profile in its specialist data. A change
    (2.000720) carries only the new values: they are laid over the profile last sent for
    the same registration number (this plugin's table), and the certificate's result
    (name, lines, capital) over both; ``changed`` names what changed.
    """
    data, result = thaw(dossier.specialist_data), thaw(dossier.result or {})
    number = result.get("registration_number") or result.get("number") \
        or data.get("registration_number")
    registration = dossier.procedure_code == settings.BUSINESS_PROCEDURES[0]
    new = {"business_name": data.get("business_name"), "address": data.get("address"),
           "business_lines": _lines(data.get("business_lines")),
           "capital": data.get("capital"), "workers": data.get("workers"),
           "owner": _owner(data.get("owner"))}
    profile = {} if registration else _previous_profile(session, number)
    profile.update({key: value for key, value in new.items() if value is not None})
    # The certificate's own figures are the register's after the change.
    for key, value in (("business_name", result.get("business_name")),
                       ("business_lines", result.get("vsic")),
                       ("capital", result.get("capital"))):
        if value is not None:
            profile[key] = value
    return {
        "procedure_code": dossier.procedure_code,
        "purpose": "registration" if registration else "change",
        "registration_number": number,
        **{key: profile.get(key) for key in PROFILE},
        "changed": [] if registration else [key for key in PROFILE
                                            if new.get(key) is not None],
        "effective_on": result.get("effective_on"),
        "certificate_title": result.get("title"),
    }


def open_exchange(session: Session, kind: str, dossier, payload: dict) -> Exchange | None:  # noqa: ANN001
    """Record a message to the tax office about ``dossier`` (a DossierView); None when no
    tax office serves its unit (logged: the ICT department configures the route)."""
    route = settings.route_for(dossier.unit_code)
    if route is None:
        log.warning("no tax office serves %s: dossier %s sends nothing (set "
                    "MOTCUA_TAX_INTERCONNECTION_OFFICES or _SYSTEM_URL)",
                    dossier.unit_code, dossier.code)
        return None
    moment = now()
    exchange = Exchange(
        message_id=str(uuid.uuid4()), kind=kind, dossier_code=dossier.code,
        procedure_code=dossier.procedure_code, unit_code=dossier.unit_code,
        tax_office_code=route.office_code, channel=route.channel, payload=payload,
        status="waiting", created_at=moment,
        due_at=services.working_deadline(moment, settings.ANSWER_DAYS[kind]),
        attempts=0, next_attempt_at=moment if route.channel == settings.EXTERNAL else None)
    session.add(exchange)
    session.flush()
    # On the dossier itself (its history, the hub): what was sent where, due when.
    services.annotate(dossier.code, source=PLUGIN, key="tax_request",
                      value={"kind": kind, "tax_office": route.office_code,
                             "due_at": exchange.due_at.isoformat()},
                      label="Chuyển thông tin đến cơ quan thuế",
                      note=f"Đã chuyển thông tin đến cơ quan thuế ({route.office_code}), "
                           f"hạn trả lời {exchange.due_at.astimezone(LOCAL):%d/%m/%Y}")
    return exchange


def apply_answer(session: Session, exchange: Exchange, answer: dict, *, by: str) -> None:
    """Check the tax office's ``answer`` against its message's kind, record it on the
    exchange and attach it to the dossier.

    Raises ``marshmallow.ValidationError`` (nothing recorded) for an answer that does not
    fit: a malformed tax code, a notice on a business message, a tax code on a land slip.
    """
    if exchange.status != "waiting":
        raise ValueError(f"exchange {exchange.message_id} is {exchange.status}, "
                         "not waiting for an answer")
    answer = load_answer(exchange.kind, answer)
    exchange.answer = answer
    exchange.answered_at = now()
    exchange.answered_by = by
    outcome = answer.get("outcome")
    if outcome == "tax_code":
        exchange.status = "answered"
        services.annotate(exchange.dossier_code, source=PLUGIN, key="tax_code",
                          value=answer["tax_code"], label="Mã số thuế",
                          note=f"Mã số thuế: {answer['tax_code']} ({by})")
    elif outcome == "query":
        exchange.status = "query"
        services.annotate(exchange.dossier_code, source=PLUGIN, key="tax_query",
                          value=answer["question"], label="Cơ quan thuế đề nghị làm rõ",
                          note=f"Cơ quan thuế đề nghị làm rõ: {answer['question']}")
    elif outcome == "notice":
        exchange.status = "answered"
        total = sum(int(item["amount"]) for item in answer["items"])
        services.annotate(exchange.dossier_code, source=PLUGIN, key="tax_notice",
                          value={"notice_number": answer["notice_number"], "total": total,
                                 "pay_by": str(answer["pay_by"])},
                          label="Thông báo nộp nghĩa vụ tài chính",
                          note=f"Thông báo thuế số {answer['notice_number']}: "
                               f"{total:,} đồng, nộp trước {answer['pay_by']}".replace(",", "."))
    else:
        raise ValueError(f"unknown outcome {outcome!r}")
    session.flush()


def settle(session: Session, exchange: Exchange) -> None:
    """The citizen's payment of a land notice was confirmed."""
    exchange.status = "settled"
    exchange.settled_at = now()
    session.flush()
