"""Printable results as PDF: a plugin's Jinja template laid out by the core's one PDF
engine (WeasyPrint, A4, DejaVu fonts with every Vietnamese letter).

Example, the view behind an :class:`~motcua_sdk.types.IssuedResult`'s
``document_endpoint``::

    @bp.route("/certificate/<code>.pdf")
    @services.staff_required()
    def certificate_pdf(code):
        view = services.get_dossier(code)
        data = render_pdf("land_use/certificate.html", dossier=view)
        return pdf_response(data, f"giay-chung-nhan-{view.code}.pdf")

A template may use ``data:`` URLs and the application's static files (``url_for(
'static', ...)`` or the plugin blueprint's own); nothing is fetched from the network.
"""

from __future__ import annotations

from typing import Any

from motcua_sdk.services import _core


def render_pdf(template: str, **context: Any) -> bytes:
    """The PDF of Jinja ``template`` rendered with ``context``, in the current request's
    language, with the same template globals as a page (``_``, ``url_for`` ...)."""
    return _core().render_pdf(template, context)


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> Any:
    """A Flask response carrying the PDF ``data``: opened in the browser's viewer, or
    saved as ``filename`` with ``download=True`` (Vietnamese letters lose their marks
    in the header: ``giấy-chứng-nhận.pdf`` is sent as ``giay-chung-nhan.pdf``)."""
    return _core().pdf_response(data, filename, download)
