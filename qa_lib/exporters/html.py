"""The committee paper as one self-contained HTML file, from Jinja templates
(``templates/html``); each section as its notebook cell shows it; and the record of the run
(``provenance.html``) that every run publishes beside the paper."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from qa_lib.paper import Paper, SectionOutput
from qa_lib.quarter import Quarter

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STYLESHEET = TEMPLATES / "html" / "report.css"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def section_html(section: SectionOutput) -> str:
    """One section for the notebook: its blocks as HTML, not yet numbered."""
    macros = environment().get_template("html/blocks.html.j2").module
    return str(macros.blocks(section.blocks, None))  # type: ignore[attr-defined]


def paper_html(paper: Paper, extra_meta: list[tuple[str, str]] | None = None) -> str:
    """The assembled paper as one HTML document, styles inline, no script."""
    meta: dict[str, Any] = {**paper.meta, "contents": paper.contents, "contents_after": paper.contents_after}
    return (
        environment()
        .get_template("html/paper.html.j2")
        .render(
            meta=meta, sections=paper.sections, css=STYLESHEET.read_text(encoding="utf-8"), extra_meta=extra_meta or []
        )
    )


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    target.write_text(paper_html(paper), encoding="utf-8")


def provenance_html(record: dict[str, Any], meta: dict[str, Any], notebook: dict[str, str] | None = None) -> str:
    """The record of a run as one HTML document for auditors: the manifest's ``record`` (no
    times, no output hashes, so a re-run makes the same bytes), under the paper's marking.

    Parameters
    ----------
    record
        The provenance the notebook's figures cell displayed (:func:`qa_lib.provenance.record`).
    meta
        The paper's metadata: title, marking, status, quarter, document date.
    notebook
        The notebook executed, by path and SHA-256, when the run recorded it.
    """
    quarter = Quarter.parse(meta["quarter"])
    dated = date.fromisoformat(meta["document_date"])
    words = {
        "long_name": quarter.long_name,
        "months": quarter.months,
        "previous_long_name": quarter.previous.long_name,
        "dated": f"{dated.day} {dated.strftime('%B %Y')}",
    }
    return (
        environment()
        .get_template("html/provenance.html.j2")
        .render(record=record, meta=meta, quarter=words, notebook=notebook)
    )


def write_provenance(
    record: dict[str, Any], meta: dict[str, Any], target: Path, notebook: dict[str, str] | None = None
) -> None:
    target.write_text(provenance_html(record, meta, notebook), encoding="utf-8")
