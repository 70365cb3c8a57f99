"""Helpers for the construction permit's tests: the desk's intake form, an API client
and reading PDFs, all through the pages and the API the officers use."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest
from motcua_construction_permit import DRAWINGS, PROCEDURE_CODE

DESK = "H99.01.01"
GOOD = {"ward": "Phường Một", "map_sheet": "12", "parcel_number": "4711",
        "land_certificate_serial": "CS 987654", "address": "Số 8 đường Lê Lợi",
        "footprint_m2": "80", "floor_area_m2": "120,5", "floors": "2",
        "design_unit": "Công ty TNHH Thiết kế Một"}
# The smallest PNG the intake accepts: its signature, then a header chunk.
SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def today_in_vietnam():
    return datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date()


def documents(client) -> dict[str, str]:
    """``{checklist line: document id}`` read from the desk's intake form."""
    page = client.get(f"/intake/{PROCEDURE_CODE}").get_data(as_text=True)
    return {name.strip(): number for number, name in re.findall(
        r'name="documents" value="(\d+)"[^>]*>\s*([^<\n]+)', page)}


def intake_form(client, *, scan: bytes | None = SCAN, **specialist) -> dict:
    """The desk's form for a complete dossier (every document ticked), the drawings
    scanned, ``specialist`` replacing fields of ``GOOD`` (None leaves one out)."""
    ids = documents(client)
    data = {"applicant.name": "Nguyễn Văn An", "applicant.citizen_id": "001090001234",
            "applicant.address": "12 đường Số 1, phường Một",
            "documents": list(ids.values()), "action": "receive"}
    for key, value in {**GOOD, **specialist}.items():
        if value is not None:
            data[f"specialist_data.{key}"] = value
    if scan is not None:
        data[f"file_{ids[DRAWINGS]}"] = (io.BytesIO(scan), "ban-ve-mat-bang.png", "image/png")
    return data


def take_in_at_desk(client, **specialist) -> str:
    """Receive a dossier through the desk's form; its code."""
    answer = client.post(f"/intake/{PROCEDURE_CODE}", data=intake_form(client, **specialist),
                         content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    return answer.headers["Location"].split("/dossiers/")[1].split("/")[0].split("?")[0]


def error_at(page: str, name: str) -> str | None:
    """The error the desk shows at field ``name`` (None if it shows none)."""
    found = re.search(rf'id="error-{re.escape(name.replace(".", "-"))}">([^<]*)<', page)
    return found.group(1) if found else None


def pdf_text(data: bytes) -> str:
    """The text of a PDF, read back by poppler's ``pdftotext``, its lines joined (the
    layout wraps long names)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert data.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True)
    return " ".join(done.stdout.decode("utf-8").split())


@pytest.fixture
def api(motcua_app, motcua_cli):
    """A test client sending the bearer token ``motcua user token issue`` gave the desk."""
    issued = motcua_cli("user", "token", "issue", "kit.letan", "--name", "showcase")
    assert issued.exit_code == 0, issued.output
    client = motcua_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {issued.output.strip().splitlines()[-1]}"
    return client
