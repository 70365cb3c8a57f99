"""Driving dossiers through an instance's HTTP application, as its officers would: the
REST API at the desk, the department work pages' action forms, the plugin's pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from motcua.conformance.instance import Instance
from motcua.core.models import Account
from motcua.core.plugin_manager.views import account_view
from motcua.core.testing import USERNAMES
from motcua_sdk.types import SampleDossier, thaw

ACTION_FORM = re.compile(r'data-action="([a-z_]+)"')
EXPECTED_VERSION = re.compile(r'name="expected_version" value="(\d+)"')
# Actions that move a dossier towards its result, in the order an officer would take them.
PROGRESS = ("approve", "submit_for_approval", "forward", "claim")
OFFICERS = ("specialist", "leader", "reception")
MAX_MOVES = 40
# The applicant's e-mail and organisation on every dossier the suite takes in, so the
# personal_data check can look for them where they must not be shown.
CONTACT = {"email": "phuclam.conformance@example.vn",
           "organization": "Công ty TNHH Phúc Lâm Thử Nghiệm"}


class DriveError(Exception):
    """The dossier could not be moved the way the platform expects."""

    status: int = 0  # the HTTP status the refusing request answered, when one did


class IntakeError(DriveError):
    """The desk refused to take the dossier in (its procedure cannot be received)."""


@dataclass
class Answer:
    """What one HTTP request answered."""

    method: str
    path: str
    role: str
    status: int
    text: str
    mimetype: str = ""
    content: bytes = b""

    def __str__(self) -> str:
        return f"{self.method} {self.path} as {self.role}: HTTP {self.status}"


def call(instance: Instance, role: str, method: str, path: str, **kwargs: Any) -> Answer:
    """One request through ``role``'s client (``kwargs`` as for the Flask test client)."""
    response = instance.client(role).open(path, method=method, **kwargs)
    content = response.get_data()
    # A PDF or a scan is no text: decoded leniently, kept whole in ``content``.
    return Answer(method, path, role, response.status_code,
                  content.decode("utf-8", errors="replace"), response.mimetype or "", content)


def pdf_text(content: bytes) -> str | None:
    """The text of a PDF (a printable result) as poppler's ``pdftotext`` reads it; None
    where poppler is not installed."""
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                          timeout=60, check=False)
    return " ".join(done.stdout.decode("utf-8", errors="replace").split())


def procedure(instance: Instance, code: str) -> dict:
    """The catalogue entry of procedure ``code`` as the API gives it."""
    response = instance.client("reception").get(f"/api/v1/procedures/{code}")
    if response.status_code != 200:
        raise DriveError(f"GET /api/v1/procedures/{code}: HTTP {response.status_code}")
    return response.get_json()


def intake_body(instance: Instance, sample: SampleDossier, **changes: Any) -> dict:
    """The API body receiving ``sample`` complete at its procedure's first receiving
    unit (``changes`` replace top-level keys)."""
    entry = procedure(instance, sample.procedure_code)
    if not entry.get("receiving_units"):
        raise DriveError(f"procedure {sample.procedure_code} has no receiving unit")
    applicant = {"name": sample.applicant_name, "phone": "0912345678",
                 "citizen_id": sample.applicant_citizen_id or "001090001234",
                 "address": sample.applicant_address or "12 đường Số 1, phường Một",
                 **CONTACT}
    body = {"procedure_code": sample.procedure_code, "unit_code": entry["receiving_units"][0],
            "applicant": applicant, "sms_consent": True,
            "submitted_documents": [d["id"] for d in entry["documents"] if d["required"]],
            "specialist_data": thaw(sample.specialist_data)}
    body.update(changes)
    return body


def take_in(instance: Instance, sample: SampleDossier) -> str:
    """Receive ``sample`` through the API as the reception officer; its dossier code."""
    response = instance.client("reception").post("/api/v1/dossiers",
                                                 json=intake_body(instance, sample))
    if response.status_code != 201:
        error = IntakeError(f"POST /api/v1/dossiers answered HTTP {response.status_code}: "
                            f"{response.get_data(as_text=True)[:600]}")
        error.status = response.status_code
        raise error
    return response.get_json()["code"]


def dossier(instance: Instance, code: str, role: str = "leader") -> dict:
    """The dossier as the API gives it to ``role``."""
    response = instance.client(role).get(f"/api/v1/dossiers/{code}")
    if response.status_code != 200:
        raise DriveError(f"GET /api/v1/dossiers/{code} as {role}: HTTP {response.status_code}")
    return response.get_json()


def event_kinds(instance: Instance, code: str) -> list[str]:
    """The kinds of the dossier's recorded events, in order."""
    response = instance.client("leader").get(f"/api/v1/dossiers/{code}/events")
    if response.status_code != 200:
        raise DriveError(f"GET /api/v1/dossiers/{code}/events: HTTP {response.status_code}")
    return [event["kind"] for event in response.get_json()["items"]]


def work_page(instance: Instance, code: str, role: str) -> tuple[list[str], str | None]:
    """The actions ``role`` is offered on the dossier's work page, and the version the
    page was rendered with (``[]`` if the page is not theirs)."""
    response = instance.client(role).get(f"/department/dossiers/{code}")
    if response.status_code != 200:
        return [], None
    text = response.get_data(as_text=True)
    version = EXPECTED_VERSION.search(text)
    return ACTION_FORM.findall(text), version.group(1) if version else None


def work_pages(instance: Instance, code: str) -> dict[str, tuple[list[str], str | None]]:
    """Every officer's :func:`work_page` of the dossier."""
    return {role: work_page(instance, code, role) for role in OFFICERS}


def offered(instance: Instance, code: str, wanted: tuple[str, ...], pages=None  # noqa: ANN001
            ) -> tuple[str, str, str] | None:
    """The first of ``wanted`` some officer is offered: ``(action, role, version)``
    (read from ``pages``, the officers' :func:`work_pages`, when given)."""
    pages = pages if pages is not None else work_pages(instance, code)
    for action in wanted:
        for role in OFFICERS:
            actions, version = pages[role]
            if action in actions:
                return action, role, version
    return None


def act(instance: Instance, code: str, action: str, role: str, version: str | None,
        **fields: str) -> Answer:
    """Post one action form; a DriveError unless the platform accepted it (redirect)."""
    path = f"/department/dossiers/{code}/actions/{action}"
    answer = call(instance, role, "POST", path,
                  data={"expected_version": version or "", "action": action, **fields})
    if answer.status != 302:
        message = re.search(r'data-form-error>([^<]*)<', answer.text)
        error = DriveError(f"{answer}" + (f": {message.group(1)}" if message else ""))
        error.status = answer.status
        raise error
    return answer


def route_to_result(instance: Instance, code: str, moved=None) -> str:  # noqa: ANN001
    """Move the dossier (claim, forward, submit, approve) until someone is offered
    ``issue_result``; returns that officer's role. ``moved(action, role)`` is told of
    every move."""
    for _move in range(MAX_MOVES):
        pages = work_pages(instance, code)  # both questions read the same pages
        ready = offered(instance, code, ("issue_result",), pages)
        if ready:
            return ready[1]
        step = offered(instance, code, PROGRESS, pages)
        if step is None:
            status = dossier(instance, code)["status"]
            raise DriveError(f"dossier {code} is stuck in status {status}: no officer is "
                             "offered an action that moves it on")
        act(instance, code, *step)
        if moved is not None:
            moved(step[0], step[1])
    raise DriveError(f"dossier {code} did not reach its result in {MAX_MOVES} moves")


def account_views(instance: Instance, roles: tuple[str, ...]) -> dict[str, Any]:
    """The SDK's view of each test account of ``roles`` (what the plugin's hooks get)."""
    with instance.app.app_context():
        session = instance.database.session
        try:
            return {role: account_view(session.scalar(
                select(Account).where(Account.username == USERNAMES[role])))
                for role in roles}
        finally:
            instance.database.remove()
