"""Small things every page needs: local dates, status labels, the current unit scope."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from motcua.core.accounts import has_role
from motcua.core.numbers import format_count, format_rate
from motcua.core.timeutil import local
from motcua.core.workflow.authorization import is_province_admin

STATUS_LABELS = {
    "received": _l("Received"),
    "in_processing": _l("In processing"),
    "waiting_supplement": _l("Waiting for supplement"),
    "waiting_payment": _l("Waiting for payment of financial obligations"),
    "waiting_other_agency": _l("Waiting for another agency"),
    "waiting_approval": _l("Waiting for approval"),
    "result_ready": _l("Result ready"),
    "returned": _l("Returned to applicant"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}

ROLE_LABELS = {
    "reception": _l("Reception officer"),
    "specialist": _l("Specialist"),
    "leader": _l("Leader"),
    "unit_admin": _l("Unit administrator"),
    "ict_admin": _l("ICT administrator"),
}

# The parts of a dossier's result (``Dossier.result``) the department records, as the
# citizen's page and the desk show them.
RESULT_LABELS = {
    "number": _l("Number of the result document"),
    "summary": _l("Summary"),
}


def format_datetime(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    return local(moment).strftime(pattern) if moment else ""


def format_date(moment: datetime | None) -> str:
    return format_datetime(moment, "%d/%m/%Y")


def format_money(amount: int | None) -> str:
    return f"{amount or 0:,}".replace(",", ".") + " đ"


def result_document_url(dossier) -> str | None:  # noqa: ANN001 - a core Dossier
    """The address of the printable result the handling plugin issued for ``dossier``
    (its ``IssuedResult.document_endpoint``, called with the dossier's code), or None:
    no result, no document, or the plugin that serves it is no longer enabled."""
    from werkzeug.routing import BuildError

    endpoint = (dossier.result or {}).get("document_endpoint")
    if not endpoint or not isinstance(endpoint, str):
        return None
    try:
        return url_for(endpoint, code=dossier.code)
    except BuildError:
        return None


def template_globals() -> dict:
    from motcua.core.event_labels import event_label

    return {
        "event_label": event_label,
        "result_document_url": result_document_url,
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "role_label": lambda role: ROLE_LABELS.get(role, role),
        "result_label": lambda key: RESULT_LABELS.get(key, key),
        "fmt_dt": format_datetime,
        "fmt_date": format_date,
        "fmt_money": format_money,
        "fmt_count": format_count,
        "fmt_rate": format_rate,
        "current_language": str(get_locale() or "vi"),
        "current_user": current_user,
    }


def role_required(role: str):
    """View decorator: the logged-in account must hold ``role`` somewhere."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_role(current_user, role):
                abort(403, description=str(_l("Your account does not have this role.")))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def province_admin_required(view):
    """View decorator: only an ICT administrator of the province (the root unit) passes;
    an administrator of a district or ward gets 403 (see
    :func:`motcua.core.workflow.authorization.is_province_admin`)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_province_admin(current_user):
            abort(403, description=str(_l("Only an ICT administrator of the province can "
                                          "do this.")))
        return view(*args, **kwargs)

    return wrapped
