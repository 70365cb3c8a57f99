"""The slips' barcode and QR code: rendered as SVG, drawn by Chromium, read back by zbar.

The SVG we ship is what gets tested: Chromium rasterizes it at screen resolution (coarser
than any printer) and ``zbarimg`` must decode exactly the input.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from motcua.core.receipts import QR_MODULE_MM, code128_svg, qr_svg

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SVG_NS = "{http://www.w3.org/2000/svg}"


def _missing_tools() -> str | None:
    if not shutil.which("zbarimg"):
        return "zbarimg is not installed (Debian package zbar-tools)"
    if not shutil.which(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    return None


def decode(png_path) -> list[str]:  # noqa: ANN001
    """Every symbol zbar finds in the image, as text."""
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png_path)], capture_output=True,
                            text=True, timeout=60)
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def page():
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def screenshot_svg(page, svg: str, path) -> None:  # noqa: ANN001
    page.set_content(f'<body style="margin:0;background:#fff"><div id="mark" '
                     f'style="display:inline-block">{svg}</div></body>')
    page.locator("#mark svg").screenshot(path=str(path))


# --- pure properties ---------------------------------------------------------------------


def test_code128_svg_is_inline_svg_sized_in_millimetres():
    svg = code128_svg("H72.01.01-260105-0001")
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
    assert root.get("width").endswith("mm") and root.get("viewBox").startswith("0 0 ")
    assert root.get("aria-label") == "H72.01.01-260105-0001"
    bars = [rect for rect in root.iter(f"{SVG_NS}rect") if "black" in (rect.get("style") or "")]
    # Bars are at least one 0.4 mm module wide: big enough for a desk scanner on paper.
    assert bars and min(float(rect.get("width")) for rect in bars) >= 0.4
    # The human-readable line is sized in the same millimetres (about 10 pt), not in points
    # that the viewBox would blow up to several centimetres.
    (text,) = root.iter(f"{SVG_NS}text")
    assert text.text == "H72.01.01-260105-0001"
    assert "font-size:3.53px" in text.get("style")


def test_code128_svg_differs_for_different_codes():
    assert code128_svg("H72.01.01-260105-0001") != code128_svg("H72.01.01-260105-0002")


def test_code128_svg_refuses_an_empty_code():
    with pytest.raises(ValueError, match="non-empty"):
        code128_svg("")


def test_qr_svg_is_inline_svg():
    svg = qr_svg("http://127.0.0.1:5000/tra-cuu/H72.01.01-260105-0001")
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert "qrcode" in root.get("class")
    assert not svg.startswith("<?xml")


def test_qr_svg_scales_by_its_viewbox_and_has_a_size_in_millimetres():
    # Without a viewBox, CSS sizing the element crops the symbol to one finder pattern.
    root = ElementTree.fromstring(qr_svg("https://motcua.example.vn/tra-cuu/H72.01.01-260105-0001"))
    modules = int(root.get("viewBox").split()[2])
    assert root.get("viewBox") == f"0 0 {modules} {modules}"
    assert root.get("width") == root.get("height") == f"{modules * QR_MODULE_MM:g}mm"
    assert 20 <= modules * QR_MODULE_MM <= 30


def test_qr_svg_refuses_empty_content():
    with pytest.raises(ValueError):
        qr_svg("")


# --- decoded by a real reader --------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("code", ["H72.01.01-260105-0001", "X72.25747-261231-123456",
                                  "H72-250101-0042"])
def test_code128_barcode_decodes_to_the_same_code(page, tmp_path, code):
    png = tmp_path / "barcode.png"
    screenshot_svg(page, code128_svg(code), png)
    assert decode(png) == [code]


@pytest.mark.browser
def test_barcode_without_text_still_decodes(page, tmp_path):
    png = tmp_path / "barcode.png"
    screenshot_svg(page, code128_svg("H72.01.01-260105-0007", show_text=False), png)
    assert decode(png) == ["H72.01.01-260105-0007"]


@pytest.mark.browser
def test_qr_code_decodes_to_the_lookup_url(page, tmp_path):
    url = "https://motcua.example.vn/tra-cuu/H72.01.01-260105-0001"
    png = tmp_path / "qr.png"
    screenshot_svg(page, qr_svg(url), png)
    assert decode(png) == [url]
