"""Machine-readable marks on the desk's slips: the dossier code as a Code128 barcode and
the lookup address as a QR code, both as inline SVG (no image files, no network).

The barcode is what a kiosk's scanner or the desk's own scanner reads back; the QR code
takes a phone straight to the public lookup page (004 Art. 5).
"""

from __future__ import annotations

import io
import re

import barcode
import segno
from barcode.writer import SVGWriter

# Sizes in millimetres. A 0.4 mm module stays within what a handheld scanner resolves on
# a laser-printed slip and still fits a 20-character code in about 110 mm of an A4 page.
MODULE_WIDTH_MM = 0.4
BAR_HEIGHT_MM = 12.0
QUIET_ZONE_MM = 6.5  # Code128 needs at least ten modules of blank space either side
# A 0.6 mm QR module is 7 dots at 300 dpi: a phone camera reads it from a hand's length,
# and a lookup address (version 4-5) stays under 28 mm square with its quiet zone.
QR_MODULE_MM = 0.6
QR_BORDER_MODULES = 4

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SIZE = re.compile(r'<svg\b([^>]*?)width="([\d.]+)mm" height="([\d.]+)mm"')
_MM = re.compile(r'="([\d.]+)mm"')
_FONT_PT = re.compile(r"font-size:([\d.]+)pt")
_MM_PER_PT = 25.4 / 72


def code128_svg(code: str, *, show_text: bool = True) -> str:
    """An inline ``<svg>`` of ``code`` as a Code128 barcode, sized in millimetres.

    The SVG has a ``viewBox`` in millimetres, so CSS may scale it while the printed size
    stays the natural one.
    """
    if not code:
        raise ValueError("A barcode needs a non-empty code.")
    writer_options = {
        "module_width": MODULE_WIDTH_MM,
        "module_height": BAR_HEIGHT_MM,
        "quiet_zone": QUIET_ZONE_MM,
        "font_size": 10 if show_text else 0,
        "text_distance": 4.5,
        "write_text": show_text,
        "compress": False,
    }
    rendered = barcode.get("code128", code, writer=SVGWriter()).render(writer_options)
    svg = _COMMENT.sub("", _PROLOGUE.sub("", rendered.decode("utf-8"), count=1))
    match = _SIZE.search(svg)
    if match is None:  # pragma: no cover - guards against a python-barcode format change
        raise RuntimeError("Unexpected SVG from python-barcode.")
    width, height = match.group(2), match.group(3)
    head = (
        f'<svg{match.group(1)}width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" class="barcode" role="img" '
        f'aria-label="{_escape(code)}"'
    )
    # Inner coordinates become plain numbers so they are read in the viewBox's millimetres.
    body = _MM.sub(r'="\1"', svg[match.end():]).replace(' id="barcode_group"', "")
    # The text size is in points; in a millimetre viewBox it must be millimetres too.
    body = _FONT_PT.sub(lambda m: f"font-size:{float(m.group(1)) * _MM_PER_PT:.2f}px", body)
    return (head + body).strip()


def qr_svg(url: str, *, module_mm: float = QR_MODULE_MM) -> str:
    """An inline ``<svg>`` QR code (error correction M, quiet zone of four modules).

    Like the barcode it has a ``viewBox`` (in modules) and a natural size in millimetres:
    without the viewBox, CSS shrinking the element crops the symbol instead of scaling it.
    """
    if not url:
        raise ValueError("A QR code needs some content.")
    symbol = segno.make(url, error="m", micro=False)
    side = symbol.symbol_size(border=QR_BORDER_MODULES)[0] * module_mm
    buffer = io.BytesIO()
    symbol.save(
        buffer, kind="svg", scale=1, border=QR_BORDER_MODULES, xmldecl=False, svgns=True,
        svgclass="qrcode", lineclass=None, nl=False, title=None, omitsize=True,
    )
    return buffer.getvalue().decode("utf-8").replace(
        "<svg ", f'<svg width="{side:g}mm" height="{side:g}mm" role="img" '
                 f'aria-label="{_escape(url)}" ', 1
    )


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))
