"""The committee paper as an A4 PDF, tagged for accessibility (PDF/UA), from the same HTML:
WeasyPrint lays it out; its date comes from the data, not the clock, so a re-run gives
the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa_lib.exporters.html import TEMPLATES, paper_html
from qa_lib.paper import Paper


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    from weasyprint import HTML

    date = paper.meta["document_date"]
    html = paper_html(paper, [("dcterms.created", f"{date}T00:00:00Z"), ("dcterms.modified", f"{date}T00:00:00Z")])
    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(target, pdf_variant="pdf/ua-1")
