"""What the tests share besides fixtures: hand-built rows, files and the text of outputs."""

from __future__ import annotations

import csv
import html
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
# Debian's Chromium drives the browser tests (Playwright's own download does not work here).
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

AUDIT_COLUMNS = [
    "audit_id",
    "service",
    "case_ref",
    "case_type",
    "team",
    "team_type",
    "audit_date",
    "auditor_role",
    "grade",
    "risk_of_harm",
]


def audit_row(
    audit_id: str, service: str, grade: str, team_type: str = "fieldwork", date: str = "2014-02-03", **extra: str
) -> dict[str, str]:
    row = {
        "audit_id": audit_id,
        "service": service,
        "case_ref": f"CR{audit_id}",
        "case_type": "child_in_need",
        "team": "Team A",
        "team_type": team_type,
        "audit_date": date,
        "auditor_role": "team_manager",
        "grade": grade,
        "risk_of_harm": "",
    }
    row.update(extra)
    return row


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def section_html(blocks) -> str:
    """A section's blocks as the notebook shows them, in HTML with its entities read back."""
    from qa_lib.exporters.html import section_html as render
    from qa_lib.paper import SectionOutput

    return html.unescape(render(SectionOutput("test", blocks)))


def output_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every output file's text as a reader or a tool would find it: the XML inside
    XLSX and DOCX, the text of the PDF, everything else as it is."""
    from pypdf import PdfReader

    for path in sorted(folder.rglob("*")):
        if path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path.name}:{member}", archive.read(member).decode("utf-8", "replace")
        elif path.suffix == ".pdf":
            yield path.name, " ".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.is_file():
            yield path.name, path.read_text(encoding="utf-8", errors="replace")


def publish_figures(out: Path, document: dict, data_set: str | None = "synthetic-sample") -> Path:
    """Stand-in outputs of an earlier run: its figures.json and the manifest naming its data set."""
    folder = out / document["quarter"]
    folder.mkdir(parents=True)
    (folder / "figures.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"data_set": data_set}), encoding="utf-8")
    return folder / "figures.json"


def publish_a_revised_quarter(data: Path, out: Path, key: str, by: int = 3) -> tuple[int, int]:
    """Publish 2013-14-Q3 of ``data`` into ``out`` with ``key`` off by ``by`` (its data were
    corrected after publication); return the figure as published and as computed now."""
    from qa_lib.context import build_context

    published = build_context("2013-14-Q3", str(data)).figures_document()
    recomputed = published["figures"][key]
    published["figures"][key] = recomputed + by
    publish_figures(out, published)
    return recomputed + by, recomputed


def view_of(keys: dict, suppressed: tuple[str, ...] = (), quarter: str = "2013-14-Q4", **options):
    """A quarter's view made from figures.json keys (as an auditor would write them)."""
    from qa_lib import figures as F
    from qa_lib.disclosure import View
    from qa_lib.figures import Figures

    hidden = frozenset(F.locate(key)[0] for key in suppressed)
    return View(Figures(F.from_keys(keys, quarter)), hidden, **options)


def launch_chromium(playwright):
    """Headless Chromium as the browser tests (and scripts/screenshots.py) use it: no sandbox
    (CI runs as root), nothing fetched in the background."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
