"""The committee paper as an A4 PDF/UA-1, typeset by Typst from the paper's data (the same
sections the HTML is made from, not the HTML).

The template (``templates/typst/paper.typ``) reads the paper as JSON from ``sys.inputs``:
every text reaches Typst as a string, never as markup. It is compiled in a temporary
folder holding only the template and the charts as SVG files, with the fonts shipped in
``qa_lib/fonts`` alone (no system or built-in font), and dated from the data, not the
clock, so the same paper gives the same bytes on any machine.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import unicodedata
from datetime import date, datetime, time, timezone
from functools import cache
from pathlib import Path
from typing import Any

from qa_lib.paper import Block, BlockQuote, Box, Figure, Heading, ListBlock, Paper, to_json

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATE = PACKAGE / "templates" / "typst" / "paper.typ"
FONTS = PACKAGE / "fonts"
META = ("title", "marking", "status", "document_date")  # what the layout uses of the paper's metadata
# Fields that are not set as text on the page: left as they are when text is made displayable.
NOT_SHOWN = ("kind", "role", "alt", "link", "image", "anchor", "status", "document_date", "contents_after")
# Code points PDF/UA-1 forbids in a document's text, whatever the font (NUL, byte order marks).
DISALLOWED = frozenset({0x0000, 0xFEFF, 0xFFFE})
REPLACEMENT = "\ufffd"


@cache
def fonts() -> Any:
    """The shipped fonts, and only they: a PDF looks the same whatever a machine has installed."""
    import typst

    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONTS)])


def paper_data(paper: Paper) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The paper as the template reads it: its metadata, contents and blocks as JSON-ready
    data, each chart named by an SVG file; and those files' bytes by name.

    Each heading carries, besides the level it is shown at, the level the PDF's structure
    gives it (``tagged_level``): one below the heading before it at most, starting at 1, as
    PDF/UA-1 requires of a document's headings (the commentary's level-4 headings may follow
    a level-2 one, and a notebook may leave out the front sheet and its level-1 title). An
    entry of the contents carries its number there (``entry``). A heading with no text (an
    empty ``####`` in the commentary) shows nothing and is left out: PDF/UA-1 forbids it.
    """
    images: dict[str, bytes] = {}
    entries = {anchor: number for number, (anchor, _) in enumerate(paper.contents, start=1)}
    last_level = 0

    def each(blocks: list[Block]) -> list[dict[str, Any]]:
        return [data(b) for b in blocks if not (isinstance(b, Heading) and not b.text.strip())]

    def data(block: Block) -> dict[str, Any]:
        nonlocal last_level
        if isinstance(block, Heading):
            last_level = min(block.level, last_level + 1)
            entry = {"entry": entries[block.anchor]} if block.anchor in entries else {}
            return {**to_json(block), "tagged_level": last_level, **entry}
        if isinstance(block, Figure):
            name = f"figure-{len(images) + 1}.svg"
            images[name] = block.svg.encode("utf-8")
            return {
                "kind": block.kind,
                "title": block.title,
                "subtitle": block.subtitle,
                "source": block.source,
                "alt": block.alt,
                "number": block.number,
                "image": name,
            }
        if isinstance(block, (Box, BlockQuote)):
            role = {"role": block.role} if isinstance(block, Box) else {}
            return {"kind": block.kind, **role, "blocks": each(block.blocks)}
        if isinstance(block, ListBlock):
            return {"kind": block.kind, "ordered": block.ordered, "items": [each(item) for item in block.items]}
        return to_json(block)

    return {
        "meta": {**{key: paper.meta[key] for key in META}, "contents_after": paper.contents_after},
        "contents": list(entries),
        "blocks": each(paper.blocks),
    }, images


@cache
def drawable() -> frozenset[int]:
    """The code points the shipped fonts have glyphs for, less those PDF/UA-1 forbids."""
    from fontTools.ttLib import TTFont

    found: set[int] = set()
    for path in sorted(FONTS.glob("*.ttf")):
        found |= set(TTFont(path, lazy=True)["cmap"].getBestCmap())
    return frozenset(found - DISALLOWED)


def displayable(value: Any, lacking: set[str], key: str = "") -> Any:
    """``value`` (the template's data) with every character of its text that the fonts
    cannot draw replaced by U+FFFD, each such character added to ``lacking``. Line breaks,
    tabs and invisible format characters need no glyph and stay."""
    if isinstance(value, dict):
        return {k: displayable(v, lacking, k) for k, v in value.items()}
    if isinstance(value, list):
        return [displayable(v, lacking, key) for v in value]
    if not isinstance(value, str) or key in NOT_SHOWN:
        return value
    missing = {
        c
        for c in set(value) - {"\t", "\n", "\r"}
        if ord(c) not in drawable() and (unicodedata.category(c) != "Cf" or ord(c) in DISALLOWED)
    }
    lacking |= missing
    return "".join(REPLACEMENT if c in missing else c for c in value) if missing else value


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    """Write the paper's PDF. Typst refuses (PDF/UA-1) text its fonts cannot draw, such as
    a quotation in a script DejaVu Sans lacks or a control character: the paper is then
    typeset again with those characters shown as U+FFFD, and a warning names them."""
    import typst

    data, images = paper_data(paper)
    created = datetime.combine(date.fromisoformat(paper.meta["document_date"]), time(), timezone.utc)
    with tempfile.TemporaryDirectory(prefix="qa-typst-") as folder:
        root = Path(folder)
        shutil.copyfile(TEMPLATE, root / TEMPLATE.name)
        for name, image in images.items():
            (root / name).write_bytes(image)

        def typeset(content: dict[str, Any]) -> tuple[bytes, list[Any]]:
            return typst.compile_with_warnings(
                root / TEMPLATE.name,
                root=root,
                font_paths=fonts(),
                ignore_system_fonts=True,
                sys_inputs={"paper": json.dumps(content, ensure_ascii=False)},
                pdf_standards="ua-1",
                timestamp=created,
            )

        try:
            pdf, warnings = typeset(data)
        except typst.TypstError:
            lacking: set[str] = set()
            shown = displayable(data, lacking)
            if not lacking:
                raise
            log.warning(
                "the PDF shows %s as %s: its font has no glyph for them (the HTML shows them as written)",
                ", ".join(f"U+{ord(c):04X}" for c in sorted(lacking)),
                REPLACEMENT,
            )
            pdf, warnings = typeset(shown)
    for warning in warnings:
        log.debug("typst: %s", warning.message)
    target.write_bytes(pdf)
