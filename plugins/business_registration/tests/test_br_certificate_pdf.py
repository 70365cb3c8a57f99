"""The household business certificate as a PDF (motcua_sdk.pdf): the certificate page's
print layout with its Vietnamese text, linked from the page, for whoever may read it."""

from __future__ import annotations

import subprocess

from motcua_business_registration.samples import SAMPLES


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode("utf-8")


def test_the_certificate_is_a_pdf_with_its_vietnamese_text(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in_sample(SAMPLES[0])
    view = motcua_flow.finish(dossier.code)
    number = view.result["number"]
    leader = motcua_clients.leader
    page = leader.get(f"/business-registration/certificate/{dossier.code}")
    link = f'href="/business-registration/certificate/{dossier.code}.pdf" data-pdf'
    assert link in page.get_data(as_text=True)
    answer = leader.get(f"/business-registration/certificate/{dossier.code}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'inline; filename="{number}.pdf"'
    text = pdf_text(answer.data)
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and number in text
    # The print layout: no menu, no toolbar.
    assert "Register entry" not in text and "Log out" not in text
    # The dossier pages link to the same certificate.
    details = motcua_clients.reception.get(f"/dossiers/{dossier.code}").get_data(as_text=True)
    assert f'href="/business-registration/certificate/{dossier.code}" data-result-document' \
        in details


def test_no_pdf_without_a_certificate_or_for_an_outsider(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in_sample(SAMPLES[0])
    assert motcua_clients.leader.get(
        f"/business-registration/certificate/{dossier.code}.pdf").status_code == 404
    motcua_flow.finish(dossier.code)
    refused = motcua_clients.tax_officer.get(
        f"/business-registration/certificate/{dossier.code}.pdf")
    assert refused.status_code in (403, 404) and not refused.data.startswith(b"%PDF")
