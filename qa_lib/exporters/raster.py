"""Charts as PNG for the formats that cannot take SVG (Word): rasterised by Typst, the PDF's
typesetter, so no other graphics library is needed and the pixels match the PDF's vectors."""

from __future__ import annotations

import tempfile
from pathlib import Path

PPI = 200  # sharp when printed at A4 text width, and when zoomed on a screen

# The page is the chart itself: no margin, as wide and high as the image.
_PAGE = '#set page(width: auto, height: auto, margin: 0pt)\n#image("chart.svg")\n'


def png_of_svg(svg: str, ppi: int = PPI) -> bytes:
    """The SVG chart as PNG bytes at ``ppi`` pixels per inch (the same bytes for the same SVG)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="qa-raster-") as folder:
        root = Path(folder)
        (root / "chart.svg").write_text(svg, encoding="utf-8")
        (root / "chart.typ").write_text(_PAGE, encoding="utf-8")
        png = typst.compile(root / "chart.typ", root=root, format="png", ppi=ppi, ignore_system_fonts=True)
    assert isinstance(png, bytes)  # one page, one image
    return png
