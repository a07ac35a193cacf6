"""The committee paper as one self-contained HTML file, from Jinja templates
(``templates/html``); and each section as its notebook cell shows it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from qa_lib.paper import Paper, SectionOutput

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STYLESHEET = TEMPLATES / "html" / "report.css"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def section_html(section: SectionOutput) -> str:
    """One section for the notebook: its blocks as HTML, not yet numbered."""
    macros = environment().get_template("html/blocks.html.j2").module
    return str(macros.blocks(section.blocks, None))  # type: ignore[attr-defined]


def paper_html(paper: Paper, extra_meta: list[tuple[str, str]] | None = None) -> str:
    """The assembled paper as one HTML document, styles inline, no script."""
    meta: dict[str, Any] = {**paper.meta, "contents": paper.contents, "contents_after": paper.contents_after}
    return environment().get_template("html/paper.html.j2").render(
        meta=meta, sections=paper.sections, css=STYLESHEET.read_text(encoding="utf-8"), extra_meta=extra_meta or [])


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    target.write_text(paper_html(paper), encoding="utf-8")
