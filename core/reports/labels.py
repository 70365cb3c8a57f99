"""Names of the report figures, as the official report words them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "to_handle": _l("To handle in the period"),
    "carried_over": _l("Carried over from the previous period"),
    "received_online": _l("Received online"),
    "received_in_person": _l("Received in person or by post"),
    "resolved": _l("Resolved"),
    "early": _l("Resolved early"),
    "on_time": _l("Resolved on time"),
    "late": _l("Resolved late"),
    "in_processing": _l("In processing"),
    "in_processing_on_time": _l("In processing, within the deadline"),
    "in_processing_overdue": _l("In processing, overdue"),
    "supplement_requested": _l("Returned for supplement"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}
