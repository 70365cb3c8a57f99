"""The finance-planning office's screens: the queue, the specialist's review form for a
dossier (with the name check and the routing buttons), the register and the printable
certificate.

A view is one transaction (the core commits it when the answer is below 400 and rolls
it back otherwise), so a refused form writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError as SchemaError
from sqlalchemy import or_, select

from motcua_business_registration import procedures
from motcua_business_registration.forms import data_to_form, form_to_data
from motcua_business_registration.models import STATUSES, Household, HouseholdChange
from motcua_business_registration.numbering import area_code
from motcua_business_registration.register import local_date, name_conflict, name_taken_message
from motcua_business_registration.settings import SETTINGS
from motcua_business_registration.text import fold
from motcua_business_registration.vsic import VSIC_2018
from motcua_sdk import services
from motcua_sdk.errors import PluginError
from motcua_sdk.i18n import _
from motcua_sdk.pdf import pdf_response, render_pdf

bp = Blueprint("business_registration", __name__, url_prefix="/business-registration",
               template_folder="templates", static_folder="static",
               static_url_path="/static")

# The routing steps offered on the review page (the rest stay on the core's work page).
ACTIONS = ("claim", "forward", "submit_for_approval", "approve", "issue_result")
ACTION_LABELS = {"claim": "Claim", "forward": "Forward to the next step",
                 "submit_for_approval": "Submit for approval",
                 "approve": "Approve (the result is issued at the desk)",
                 "issue_result": "Issue the certificate"}
UNFINISHED = ("received", "in_processing", "waiting_supplement", "waiting_payment",
              "waiting_other_agency", "waiting_approval")
# Who may read the register (owners' citizen IDs, addresses, capital): the desk that
# receives the dossiers, the finance-planning office's officers and the leaders.
REGISTER_ROLES = ("reception", "specialist", "leader")


def _our_dossier(code: str):  # noqa: ANN202
    dossier = services.get_dossier(code)
    if dossier.procedure_code not in procedures.BY_CODE:
        abort(404)
    return dossier


def _register_areas() -> list[str]:
    """The registering areas whose households the current account may read: the area
    of each unit over which it holds one of :data:`REGISTER_ROLES` (a role over the
    province covers every district). 403 for an account holding none of them."""
    account = services.current_account()
    areas = sorted({area_code(unit) for role, unit in account.roles if role in REGISTER_ROLES})
    if not areas:
        abort(403)
    return areas


def _in_areas(areas: list[str]):  # noqa: ANN202 - a SQL condition
    return or_(*[(Household.area_code == area) | Household.area_code.like(f"{area}.%")
                 for area in areas])


def _readable(household: Household | None, areas: list[str]) -> bool:
    return household is not None and any(
        household.area_code == area or household.area_code.startswith(f"{area}.")
        for area in areas)


def _version() -> int | None:
    try:
        return int(request.form["version"])
    except (KeyError, ValueError):
        return None


def _schema_messages(error: SchemaError) -> dict[str, str]:
    """``{"owner_citizen_id": "..."}``: marshmallow's messages keyed by form field
    (list items collapse onto their list's field, e.g. ``business_lines``)."""
    found: dict[str, str] = {}
    collapsing = ("business_lines", "members")

    def walk(messages, prefix: str) -> None:  # noqa: ANN001
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(value, prefix if prefix in collapsing
                     else f"{prefix}_{key}" if prefix else str(key))
        elif isinstance(messages, list) and messages and not isinstance(messages[0], str):
            walk(messages[0], prefix)
        else:
            text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
            found.setdefault(prefix, text)

    walk(error.normalized_messages(), "")
    return found


def _availability(dossier, values: dict) -> dict | None:  # noqa: ANN001
    """The name check of the name on the form, against the dossier's district."""
    name = values.get("business_name")
    if not name:
        return None
    area = area_code(dossier.unit_code)
    session = services.session()
    except_id = None
    if values.get("registration_number"):
        except_id = session.scalar(select(Household.id).where(
            Household.registration_number == values["registration_number"].upper()))
    holder = name_conflict(session, area, name, except_id=except_id)
    return {"available": holder is None, "area": area,
            "message": name_taken_message(name, holder) if holder else
            _("The name “%(name)s” is free in %(area)s.", name=name, area=area),
            "pending": _pending_with_name(dossier.code, area, name)}


def _pending_with_name(code: str, area: str, name: str) -> list[str]:
    """Codes of other unfinished dossiers of the district asking for the same name: not
    a refusal (the first issued wins), but the officer should know."""
    key = fold(name)
    found = services.find_dossiers(procedure_codes=(procedures.REGISTRATION,
                                                    procedures.CHANGE),
                                   statuses=UNFINISHED, limit=1000)
    return [other.code for other in found
            if other.code != code and area_code(other.unit_code) == area
            and fold(other.specialist_data.get("business_name")) == key]


def _render_review(dossier, values: dict, *, errors: dict | None = None,  # noqa: ANN001
                   message: str | None = None, status: int = 200):
    actions = [name for name in services.available_actions(dossier.code) if name in ACTIONS]
    issued = services.session().scalar(select(HouseholdChange).where(
        HouseholdChange.dossier_code == dossier.code))
    household = None
    if values.get("registration_number"):
        household = services.session().scalar(select(Household).where(
            Household.registration_number == values["registration_number"].upper()))
    return render_template(
        "business_registration/review.html", dossier=dossier, values=values,
        errors=errors or {}, message=message, actions=actions, labels=ACTION_LABELS,
        availability=_availability(dossier, values), issued=issued, household=household,
        spec=procedures.BY_CODE[dossier.procedure_code], procedures=procedures,
        vsic=VSIC_2018), status


@bp.route("/")
@services.staff_required()
def queue():
    """Household business dossiers waiting for the officer's units."""
    waiting = services.queue(procedures.CODES)
    recent = services.find_dossiers(procedure_codes=procedures.CODES,
                                    statuses=("result_ready", "returned"), limit=20)
    return render_template("business_registration/queue.html", waiting=waiting,
                           recent=recent, procedures=procedures)


@bp.route("/dossiers/<code>", methods=["GET", "POST"])
@services.staff_required()
def review(code: str):
    """The specialist's check of the dossier's specialist data: shown, completed, saved."""
    dossier = _our_dossier(code)
    if request.method == "GET":
        return _render_review(dossier, data_to_form(dossier.specialist_data))
    values = {key: value for key, value in request.form.items()}
    data = form_to_data(dossier.procedure_code, request.form)
    try:
        procedures.STRICT_SCHEMAS[dossier.procedure_code]().load(data)
    except SchemaError as error:
        return _render_review(dossier, values, errors=_schema_messages(error),
                              message=_("The data was not saved: correct the marked fields."),
                              status=422)
    availability = _availability(dossier, values)
    if availability and not availability["available"]:
        return _render_review(dossier, values,
                              errors={"business_name": availability["message"]},
                              message=availability["message"], status=422)
    try:
        services.update_specialist_data(code, data, expected_version=_version())
    except PluginError as error:
        return _render_review(dossier, values, message=error.message,
                              errors={error.field.split(".")[-1]: error.message}
                              if error.field else None, status=error.status_code)
    flash(_("The specialist data of dossier %(code)s was saved.", code=code))
    return redirect(url_for(".review", code=code))


@bp.route("/dossiers/<code>/act", methods=["POST"])
@services.staff_required()
def act(code: str):
    """Take one routing step from the review page (issuing asks the register)."""
    dossier = _our_dossier(code)
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    try:
        services.act(code, action, expected_version=_version(),
                     **({"note": request.form.get("note") or None}
                        if action in ("forward", "submit_for_approval", "approve") else {}))
    except PluginError as error:
        return _render_review(dossier, data_to_form(dossier.specialist_data),
                              message=error.message, status=error.status_code)
    if action == "issue_result":
        flash(_("The result of dossier %(code)s was issued; print it and send it to the desk.",
                code=code))
        return redirect(url_for(".certificate", code=code))
    flash(_("Dossier %(code)s: %(action)s done.", code=code,
            action=_(ACTION_LABELS[action]).lower()))
    try:
        services.get_dossier(code)
    except PluginError:  # it left the officer's units
        return redirect(url_for(".queue"))
    return redirect(url_for(".review", code=code))


@bp.route("/name-check")
@services.staff_required()
def name_check():
    """Is a business name free in a district? HTML, or JSON with ``format=json``."""
    name = (request.args.get("name") or "").strip()
    account = services.current_account()
    area = (request.args.get("area") or "").strip() or area_code(account.unit_code)
    answer = None
    if name:
        holder = name_conflict(services.session(), area, name)
        answer = {"name": name, "area": area, "available": holder is None,
                  "message": name_taken_message(name, holder) if holder else
                  _("The name “%(name)s” is free in %(area)s.", name=name, area=area),
                  "holder": holder.registration_number if holder else None}
    if request.args.get("format") == "json":
        if answer is None:
            return jsonify({"error": "Give the name to check (name=...)."}), 422
        return jsonify(answer)
    return render_template("business_registration/name_check.html", answer=answer,
                           name=name, area=area)


@bp.route("/register")
@services.staff_required()
def register():
    """The household business register of the account's areas: search by number,
    name, owner or address."""
    areas = _register_areas()
    q = (request.args.get("q") or "").strip()
    status = request.args.get("status") or ""
    area = (request.args.get("area") or "").strip()
    query = select(Household).where(_in_areas(areas)).order_by(
        Household.registered_on.desc(), Household.id.desc())
    if q:
        query = query.where(or_(Household.search_text.contains(fold(q)),
                                Household.registration_number == q.upper(),
                                Household.owner_citizen_id == q))
    if status in STATUSES:
        query = query.where(Household.status == status)
    if area:
        query = query.where((Household.area_code == area)
                            | Household.area_code.like(f"{area}.%"))
    found = services.session().scalars(query.limit(
        SETTINGS.get("REGISTER_PAGE_SIZE"))).all()
    return render_template("business_registration/register.html", households=found, q=q,
                           status=status, area=area, statuses=STATUSES)


@bp.route("/register/<number>")
@services.staff_required()
def household(number: str):
    """One household business of the account's areas with its history of changes."""
    areas = _register_areas()
    found = services.session().scalar(select(Household).where(
        Household.registration_number == number.upper()))
    if not _readable(found, areas):
        abort(404)  # outside the account's areas: as if it did not exist
    return render_template("business_registration/household.html", household=found)


def _certificate_context(code: str) -> dict:
    """What the certificate of dossier ``code`` shows (404 if none was issued here)."""
    areas = _register_areas()
    dossier = _our_dossier(code)
    issued = services.session().scalar(select(HouseholdChange).where(
        HouseholdChange.dossier_code == dossier.code))
    if issued is None or not _readable(issued.household, areas):
        abort(404)
    return {"dossier": dossier, "change": issued, "household": issued.household,
            "data": issued.snapshot, "title": procedures.RESULT_TITLES[issued.kind],
            "issued_on": local_date(issued.at)}


@bp.route("/certificate/<code>")
@services.staff_required()
def certificate(code: str):
    """The printable certificate (or confirmation) issued for dossier ``code``."""
    return render_template("business_registration/certificate.html",
                           **_certificate_context(code))


@bp.route("/certificate/<code>.pdf")
@services.staff_required()
def certificate_pdf(code: str):
    """The same certificate as a PDF (the page's print layout, laid out by the core)."""
    context = _certificate_context(code)
    data = render_pdf("business_registration/certificate.html", **context)
    return pdf_response(data, f"{context['household'].registration_number}.pdf")
