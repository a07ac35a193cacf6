"""Write params/reference.docx, the Word document report.docx is built on (deterministic).

It is python-docx's own default template with the paper's page and styles: A4 with
2.5 cm margins, Arial, headings in the Analysis Function's dark blue, a plain grid table
style, captions and quotes. A council may replace the file with its own (or name another
with ``--reference-docx``): report.docx keeps that file's styles and margins, and still
writes the marking, page numbers, DRAFT and A4 whatever it holds. Run from the project root:

    python scripts/make_reference_docx.py

Running it twice writes identical bytes.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "params" / "reference.docx"
FONT = "Arial"
DARK_BLUE = RGBColor(0x12, 0x43, 0x6D)
HEADINGS = {"Title": 24, "Heading 1": 16, "Heading 2": 14, "Heading 3": 12, "Heading 4": 12}
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def reference() -> bytes:
    """The reference document's bytes, zip entries in a fixed order with a fixed time."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    section.header_distance = section.footer_distance = Cm(1.25)
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(12)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in HEADINGS.items():
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.color.rgb = DARK_BLUE
        style.paragraph_format.keep_with_next = True
    for name in ("Caption", "Quote", "List Bullet", "List Number", "Header", "Footer"):
        styles[name].font.name = FONT
    styles["Caption"].font.size = Pt(10)
    styles["Caption"].font.color.rgb = RGBColor(0, 0, 0)  # the template's pale blue fails contrast
    styles["Caption"].font.italic = False
    styles["Table Grid"].font.name = FONT
    properties = document.core_properties
    properties.title = "Reference document for report.docx"
    properties.author = properties.last_modified_by = "qa-workbook"
    properties.created = properties.modified = datetime(2014, 1, 1)
    properties.revision = 1
    properties.language = "en-GB"
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist()):
            target.writestr(zipfile.ZipInfo(name, _EPOCH), source.read(name), zipfile.ZIP_DEFLATED)
    return out.getvalue()


if __name__ == "__main__":
    TARGET.write_bytes(reference())
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
