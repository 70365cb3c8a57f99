"""PDF documents from HTML templates, with WeasyPrint: the one PDF library of motcua.

A plugin's printable result (a certificate, a licence) is a Jinja template rendered to
HTML and laid out by WeasyPrint on A4 paper in DejaVu fonts, which carry every
Vietnamese letter. The desk's slips stay HTML pages printed by the browser (their
barcodes are inline SVG, :mod:`motcua.core.receipts`); no second PDF library is used.

WeasyPrint never goes to the network: a document may use ``data:`` URLs and the
application's own static files (``url_for('static', ...)`` or a blueprint's
``static``), read from disk; anything else is left out of the document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, has_request_context, render_template, request
from unidecode import unidecode
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Under the template's own styles: A4 with the margins of Decree 30/2020 (top and bottom
# 2 cm, left 3 cm, right 1.5 cm), DejaVu Serif (a Times-like face with Vietnamese
# letters), and DejaVu Sans for what has no serif.
BASE_STYLE = CSS(string="""
@page { size: A4; margin: 2cm 1.5cm 2cm 3cm; }
html { font-family: "DejaVu Serif", "DejaVu Sans", serif; font-size: 13pt; }
""")
PDF = "application/pdf"


class _LocalFetcher(URLFetcher):
    """Serves ``data:`` URLs and the application's static files; refuses the rest, so a
    template cannot make the server fetch an address (or wait for itself)."""

    def __init__(self, app: Any) -> None:
        super().__init__(allowed_protocols=("data", "http", "https"))
        self.app = app

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, arguments = adapter.match(parts.path, method="GET")
        except Exception as error:  # noqa: BLE001 - not an address of this application
            raise ValueError(f"not a static file of this application: {url}") from error
        if endpoint != "static" and not endpoint.endswith(".static"):
            raise ValueError(f"only static files are read into a PDF, not {url}")
        with self.app.test_request_context(parts.path):
            response = self.app.view_functions[endpoint](**arguments)
            response.direct_passthrough = False
            body = response.get_data()
        return URLFetcherResponse(url, body=body, headers={"Content-Type": response.mimetype})


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document, laid out with :data:`BASE_STYLE` under its own."""
    if base_url is None:
        base_url = request.url_root if has_request_context() else "http://localhost/"
    document = HTML(string=html, base_url=base_url,
                    url_fetcher=_LocalFetcher(current_app._get_current_object()))
    return document.write_pdf(stylesheets=[BASE_STYLE])


def render_pdf(template: str, **context: Any) -> bytes:
    """Render the Jinja ``template`` with ``context`` (as ``render_template`` does, with
    the page's language and globals) and lay it out as a PDF."""
    return html_to_pdf(render_template(template, **context))


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> Response:
    """A PDF's bytes as a response: shown in the browser's viewer, or saved as
    ``filename`` with ``download=True``."""
    disposition = "attachment" if download else "inline"
    # A header carries ASCII: "giấy-chứng-nhận.pdf" is sent as "giay-chung-nhan.pdf".
    safe = "".join(c for c in unidecode(filename)
                   if (c.isascii() and c.isalnum()) or c in "-_.") or "document.pdf"
    return Response(data, mimetype=PDF,
                    headers={"Content-Disposition": f'{disposition}; filename="{safe}"'})
