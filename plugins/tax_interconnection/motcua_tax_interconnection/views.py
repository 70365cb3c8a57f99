"""The plugin's screens: the tax office's incoming requests, answers and overdue list;
the land office's cadastral information slip and the payment pause; the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select, update

from motcua_sdk import services
from motcua_sdk.errors import PluginError
from motcua_sdk.i18n import _
from motcua_tax_interconnection import exchanges, settings
from motcua_tax_interconnection.models import Exchange
from motcua_tax_interconnection.reports import (
    pending_report,
    stuck_messages,
    turnaround_report,
    viewer_scope,
)
from motcua_tax_interconnection.schemas import LandSlipSchema, load_answer

bp = Blueprint("tax_interconnection", __name__, url_prefix="/tax",
               template_folder="templates")
KIND_LABELS = {"business": "Hộ kinh doanh", "land": "Chuyển nhượng quyền sử dụng đất"}
STATUS_LABELS = {"waiting": "Chờ cơ quan thuế", "query": "Cơ quan thuế đề nghị làm rõ",
                 "replied": "Đã trả lời đề nghị làm rõ",
                 "answered": "Đã trả lời", "settled": "Đã nộp nghĩa vụ tài chính"}


@bp.app_template_filter("tax_money")
def money(value) -> str:  # noqa: ANN001
    return f"{int(value or 0):,}".replace(",", ".")


def _offices() -> list[str]:
    """Tax offices of this system whose requests the current account answers."""
    codes = set(settings.offices().values())
    return sorted(code for code in codes if services.has_role("specialist", code))


def _mine(statement):  # noqa: ANN001, ANN202
    offices = _offices()
    return statement.where(Exchange.channel == settings.INTERNAL,
                           Exchange.tax_office_code.in_(offices or [""]))


def _form_errors(error: SchemaError) -> dict[str, str]:
    """The schema's messages by field, in the page's language (the schemas speak English
    to the tax system's API; this plugin's catalogue has their Vietnamese)."""
    return {key: "; ".join(_(str(item)) for item in value) if isinstance(value, list)
            else _(str(value)) for key, value in error.normalized_messages().items()}


def _render(template: str, status: int = 200, **values):  # noqa: ANN003, ANN202
    values.setdefault("stuck", [])
    return render_template(f"tax_interconnection/{template}", kinds=KIND_LABELS,
                           statuses=STATUS_LABELS, now=datetime.now(UTC), **values), status


@bp.route("/")
@services.staff_required("specialist")
def incoming():
    """Requests waiting at the officer's tax office, overdue first, then due soonest."""
    session = services.session()
    waiting = list(session.scalars(_mine(select(Exchange)).where(
        Exchange.status == "waiting").order_by(Exchange.due_at)))
    answered = list(session.scalars(_mine(select(Exchange)).where(
        Exchange.status != "waiting").order_by(Exchange.answered_at.desc()).limit(50)))
    return _render("incoming.html", waiting=waiting, answered=answered, offices=_offices())


@bp.route("/overdue")
@services.staff_required("specialist")
def overdue():
    """Requests past the tax office's answer time."""
    moment = datetime.now(UTC)
    rows = [row for row in services.session().scalars(_mine(select(Exchange)).where(
        Exchange.status == "waiting").order_by(Exchange.due_at)) if _aware(row.due_at) < moment]
    return _render("overdue.html", rows=rows)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _exchange(exchange_id: int) -> Exchange:
    exchange = services.session().get(Exchange, exchange_id)
    if exchange is None or exchange.channel != settings.INTERNAL \
            or exchange.tax_office_code not in _offices():
        abort(404)
    return exchange


@bp.route("/exchanges/<int:exchange_id>", methods=["GET", "POST"])
@services.staff_required("specialist")
def answer(exchange_id: int):
    """The request with its data, and the tax officer's answer form."""
    exchange = _exchange(exchange_id)
    errors: dict = {}
    if request.method == "POST":
        try:
            answer_data = _answer_form(exchange)
        except SchemaError as error:
            errors = _form_errors(error)
            return _render("exchange.html", 422, exchange=exchange, errors=errors,
                           form=request.form)
        if not _claim(exchange):
            return _render("exchange.html", 409, exchange=exchange, errors={
                "form": "Yêu cầu này đã được trả lời (có thể bởi cán bộ thuế khác); "
                        "tải lại trang để xem câu trả lời."}, form=request.form)
        account = services.current_account()
        exchanges.apply_answer(services.session(), exchange, answer_data,
                               by=f"{account.full_name} ({exchange.tax_office_code})")
        flash(f"Đã trả lời hồ sơ {exchange.dossier_code}.")
        return redirect(url_for("tax_interconnection.incoming"))
    return _render("exchange.html", exchange=exchange, errors=errors, form={})


def _claim(exchange: Exchange) -> bool:
    """Lock the exchange's row for this answer; False if it is no longer waiting.

    The conditional UPDATE waits for a concurrent answer's transaction (a row lock on
    PostgreSQL, the write lock on SQLite) and then sees its result: of two tax officers
    answering at once, one wins and the other is told, nothing is applied twice.
    """
    session = services.session()
    claimed = session.execute(
        update(Exchange).where(Exchange.id == exchange.id, Exchange.status == "waiting")
        .values(status="waiting").execution_options(synchronize_session=False)).rowcount
    session.refresh(exchange)
    return claimed == 1 and exchange.status == "waiting"


def _answer_form(exchange: Exchange) -> dict:
    """The answer the form gives, checked like any answer (:func:`load_answer`)."""
    form = request.form
    outcome = form.get("outcome", "")
    if outcome == "query":
        return load_answer(exchange.kind, {"outcome": "query",
                                           "question": form.get("question", "").strip()})
    if exchange.kind == "business":
        return load_answer("business", {"outcome": outcome,
                                        "tax_code": form.get("tax_code", "").strip() or None})
    items = [{"name": name, "amount": form.get(f"amount_{index}", "")}
             for index, name in enumerate(("Lệ phí trước bạ", "Thuế thu nhập cá nhân"))
             if form.get(f"amount_{index}", "").strip()]
    return load_answer("land", {"outcome": "notice", "items": items,
                                "notice_number": form.get("notice_number", ""),
                                "pay_by": form.get("pay_by", "")})


def _land_dossier(code: str):  # noqa: ANN202
    try:
        dossier = services.get_dossier(code)
    except PluginError:
        abort(404)
    if dossier.procedure_code not in settings.land_procedures():
        abort(404)
    return dossier


@bp.route("/land/<code>", methods=["GET", "POST"])
@services.staff_required("specialist")
def land(code: str):
    """The land office's side: send the slip, then pause while the citizen pays."""
    dossier = _land_dossier(code)
    session = services.session()
    history = list(session.scalars(select(Exchange).where(
        Exchange.dossier_code == code, Exchange.kind == "land").order_by(Exchange.id)))
    if request.method == "GET":
        return _render("land.html", dossier=dossier, history=history, errors={}, form={})
    step = request.form.get("step", "")
    try:
        if step == "send_slip":
            return _send_slip(dossier, history)
        if step in ("await_payment", "payment_confirmed"):
            return _payment(dossier, history, step)
    except PluginError as error:
        return _render("land.html", error.status_code, dossier=dossier, history=history,
                       errors={"form": error.message}, form=request.form)
    abort(400, description="Unknown step.")
    return None


def _slip_form() -> dict:
    form = request.form
    return {key: form.get(key, "") for key in (
        "parcel_number", "map_sheet", "address", "area_m2", "land_use", "price")} | {
        "transferor": {"full_name": form.get("transferor_name", ""),
                       "citizen_id": form.get("transferor_id", "")},
        "transferee": {"full_name": form.get("transferee_name", ""),
                       "citizen_id": form.get("transferee_id", "")}}


def _send_slip(dossier, history: list[Exchange]):  # noqa: ANN001, ANN202
    if any(row.status in ("waiting", "answered") for row in history):
        return _render("land.html", 409, dossier=dossier, history=history,
                       errors={"form": "Phiếu chuyển thông tin đã được gửi."}, form=request.form)
    if dossier.holder_unit_code is None or not services.has_role("specialist",
                                                                 dossier.holder_unit_code):
        abort(403)
    try:
        slip = LandSlipSchema().load(_slip_form())
    except SchemaError as error:
        errors = _form_errors(error)
        return _render("land.html", 422, dossier=dossier, history=history, errors=errors,
                       form=request.form)
    exchange = exchanges.open_exchange(services.session(), "land", dossier, slip)
    if exchange is None:
        return _render("land.html", 409, dossier=dossier, history=history, errors={
            "form": "Chưa cấu hình cơ quan thuế cho đơn vị này."}, form=request.form)
    # A corrected slip answers the tax office's query about the previous one.
    for row in history:
        if row.status == "query":
            row.status = "replied"
    flash("Đã gửi phiếu chuyển thông tin địa chính đến cơ quan thuế.")
    return redirect(url_for("tax_interconnection.land", code=dossier.code))


def _payment(dossier, history: list[Exchange], step: str):  # noqa: ANN001, ANN202
    answered = next((row for row in reversed(history) if row.status == "answered"), None)
    if step == "await_payment":
        if answered is None:
            return _render("land.html", 409, dossier=dossier, history=history, errors={
                "form": "Chưa có thông báo thuế."}, form=request.form)
        notice = answered.answer
        # The clock stands still while the citizen pays (Decree 61 does not count the
        # time for financial obligations): the core's pause for payment, not a supplement.
        services.act(dossier.code, "pause_for_payment", expected_version=dossier.version,
                     note=f"Chờ người nộp hồ sơ nộp tiền theo Thông báo thuế số "
                          f"{notice['notice_number']}",
                     notice_number=notice["notice_number"],
                     amount=sum(int(item["amount"]) for item in notice["items"]) or None)
        flash("Đã tạm dừng tính thời gian: chờ người dân nộp nghĩa vụ tài chính.")
    else:
        if answered is None:
            return _render("land.html", 409, dossier=dossier, history=history, errors={
                "form": "Không có thông báo thuế đang chờ nộp."}, form=request.form)
        services.act(dossier.code, "record_payment", expected_version=dossier.version,
                     note="Đã nhận chứng từ nộp nghĩa vụ tài chính")
        exchanges.settle(services.session(), answered)
        flash("Đã xác nhận nộp nghĩa vụ tài chính; tiếp tục tính thời gian.")
    return redirect(url_for("tax_interconnection.land", code=dossier.code))


@bp.route("/dossiers/<code>", methods=["GET", "POST"])
@services.staff_required()
def dossier_exchanges(code: str):
    """The sending office's view of a dossier's exchanges; when the tax office asked back,
    the reply, which goes to the tax office as a new message carrying the question."""
    try:
        dossier = services.get_dossier(code)
    except PluginError:
        abort(404)
    session = services.session()
    history = list(session.scalars(select(Exchange).where(
        Exchange.dossier_code == code).order_by(Exchange.id)))
    if not history:
        abort(404)
    last = history[-1]
    if request.method == "GET":
        return _render("dossier.html", dossier=dossier, history=history, errors={}, form={},
                       stuck=stuck_messages(session, scope=viewer_scope(session),
                                            dossier_code=code))
    reply = (request.form.get("reply") or "").strip()
    if last.status != "query":
        return _render("dossier.html", 409, dossier=dossier, history=history,
                       errors={"form": "Cơ quan thuế không đề nghị làm rõ hồ sơ này."},
                       form=request.form)
    if not 5 <= len(reply) <= 2000:
        return _render("dossier.html", 422, dossier=dossier, history=history,
                       errors={"reply": "Trả lời từ 5 đến 2000 ký tự."}, form=request.form)
    payload = {**last.payload, "reply_to": last.message_id,
               "question": (last.answer or {}).get("question"), "reply": reply}
    exchanges.open_exchange(session, last.kind, dossier, payload)
    last.status = "replied"
    flash("Đã gửi trả lời đến cơ quan thuế.")
    return redirect(url_for("tax_interconnection.dossier_exchanges", code=code))


# The turnaround's default period: answers of the last three months.
DEFAULT_PERIOD = timedelta(days=90)
LONGEST_PERIOD = timedelta(days=366)


def _period() -> tuple[date, date]:
    """The ``from`` and ``to`` days (Vietnam dates, both included) of the figures page;
    ``ValueError`` with a message for the officer when they do not make a period."""
    today = datetime.now(exchanges.LOCAL).date()
    try:
        first = date.fromisoformat(request.args.get("from") or
                                   (today - DEFAULT_PERIOD).isoformat())
        last = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        raise ValueError("Ngày không hợp lệ: nhập theo dạng năm-tháng-ngày.") from None
    if last < first:
        raise ValueError("Ngày kết thúc phải sau ngày bắt đầu.")
    if last - first > LONGEST_PERIOD:
        raise ValueError("Chọn khoảng thời gian không quá một năm.")
    return first, last


@bp.route("/figures")
@services.staff_required()
def figures():
    """Pending at the tax office now, its average turnaround (working days) over the
    requests answered in a period (``from``/``to``, the last three months by default) by
    office and kind, and the stuck messages to an external tax system: of the viewer's
    tax offices and units only."""
    session = services.session()
    scope = viewer_scope(session)
    try:
        first, last = _period()
    except ValueError as error:
        return _render("figures.html", 400, pending=[], turnaround=[], errors={
            "period": str(error)}, period=dict(request.args),
            answer_days=settings.ANSWER_DAYS)
    start = datetime.combine(first, time(0), tzinfo=exchanges.LOCAL)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=exchanges.LOCAL)
    return _render("figures.html", pending=pending_report(session, None, None, None,
                                                          scope=scope),
                   turnaround=turnaround_report(session, start, end, None, scope=scope),
                   stuck=stuck_messages(session, scope=scope), errors={},
                   period={"from": first.isoformat(), "to": last.isoformat()},
                   answer_days=settings.ANSWER_DAYS)
