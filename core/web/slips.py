"""Printable slips of the desk (Decree 61/2018, forms 01-03), one A4 page each.

- receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01),
  with the dossier code as a Code128 barcode and a QR code to the public lookup;
- request to supplement (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, form 02);
- refusal (Phiếu từ chối tiếp nhận giải quyết hồ sơ, form 03).

The slip text is the prescribed Vietnamese wording whatever the interface language: it
is a legal document handed to the applicant. Only the screen controls are translated.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from motcua.core.audit.record import personal_data_viewed
from motcua.core.extensions import db_session, public_base_url
from motcua.core.models import DeskGuidance
from motcua.core.receipts import code128_svg, qr_svg
from motcua.core.timeutil import local, now
from motcua.core.web.scope import may_view, visible_dossier

bp = Blueprint("slips", __name__)

COPY_KINDS_VI = {"original": "Bản chính", "copy": "Bản sao",
                 "certified_copy": "Bản sao chứng thực"}


def lookup_url(code: str) -> str:
    """Where the citizen looks the dossier up (the public lookup website)."""
    return f"{public_base_url()}/tra-cuu/{code}"


@bp.route("/dossiers/<code>/receipt")
@login_required
def receipt(code: str):
    dossier = visible_dossier(db_session(), current_user, code)
    if dossier.status == "refused":
        abort(404, description=_("Dossier %(code)s was refused; print its refusal slip.",
                                 code=dossier.code))
    url = lookup_url(dossier.code)
    page = render_template(
        "slips/receipt.html", dossier=dossier, unit=dossier.unit, issued=local(dossier.entered_at),
        barcode_svg=code128_svg(dossier.code, show_text=False), qr_svg=qr_svg(url), lookup_url=url,
        public_base_url=public_base_url(), copy_kinds=COPY_KINDS_VI,
    )
    # The slip shows the applicant's ID number, phone and address (004 Art. 9.3).
    personal_data_viewed(dossier.code, "receipt slip")
    return page


@bp.route("/dossiers/<code>/refusal-slip")
@login_required
def refusal(code: str):
    dossier = visible_dossier(db_session(), current_user, code)
    if dossier.status != "refused":
        abort(404, description=_("Dossier %(code)s was not refused.", code=dossier.code))
    page = render_template("slips/refusal.html", dossier=dossier, unit=dossier.unit,
                           issued=local(dossier.entered_at))
    personal_data_viewed(dossier.code, "refusal slip")
    return page


@bp.route("/guidance/<int:guidance_id>")
@login_required
def guidance(guidance_id: int):
    slip = db_session().get(DeskGuidance, guidance_id)
    if slip is None:
        abort(404, description=_("No guidance slip %(id)s.", id=guidance_id))
    if not may_view(current_user, slip.unit):
        abort(403, description=_("This guidance slip belongs to a unit outside your scope."))
    return render_template("slips/guidance.html", slip=slip, unit=slip.unit,
                           issued=local(slip.given_at or now()))
