"""Golden files: each sample quarter's figures.json, the visible text of its report.html and
the cell values of its report.xlsx, as made before a reshaping of the code; a reshaping that
changes any of them is a bug. What names the code's version, its commit, a package's
version or a file's hash is masked, so the files hold across commits and installs.

    python tests/golden_files.py            # write tests/golden/ from runs of the sample quarters
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
QUARTERS = ("2013-14-Q1", "2013-14-Q2", "2013-14-Q3", "2013-14-Q4", "2014-15-Q1")
MODES = ("publication", "internal")

BLOCK_ELEMENTS = {
    "p",
    "div",
    "section",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "td",
    "th",
    "caption",
    "figcaption",
    "dt",
    "dd",
    "blockquote",
    "footer",
    "header",
    "nav",
    "table",
    "thead",
    "tbody",
    "ul",
    "ol",
    "dl",
    "figure",
    "main",
    "br",
    "pre",
}


def visible_text(html: str) -> str:
    """The text a reader sees, as a browser lays it out: each block on its own line,
    white space folded, markup and styles left out."""
    out: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                out.append(str(child))
            elif child.name not in ("style", "script", "head", "title"):
                block = child.name in BLOCK_ELEMENTS
                out.append("\n" if block else "")
                walk(child)
                out.append("\n" if block else "")

    soup = BeautifulSoup(html, "html.parser")
    walk(soup.main or soup)
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def mask(text: str) -> str:
    """Mask what names the code, the packages or a file's bytes rather than the report."""
    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)
    text = re.sub(r"\b[0-9a-f]{40}\b( with uncommitted changes)?", "<commit>", text)
    text = re.sub(
        r"\b(qa-workbook|Python|statsmodels|SciPy|pandas|pandera) \d[\w.+-]*?(?=[,.)]?(\s|$))", r"\1 <version>", text
    )
    return text


def masked_text(html: str) -> str:
    """The visible text, masked as in :func:`mask`. (The record of the run, with every hash and
    version, is provenance.html, not the paper: only the paper's own words are golden.)"""
    return mask(visible_text(html))


def xlsx_cells(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values, row by row, masked (:func:`normalised_cells`)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    return normalised_cells(
        {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    )


def normalised_cells(sheets: dict[str, list[list[object]]]) -> dict[str, list[list[object]]]:
    """Text masked as in :func:`mask`."""
    return {
        title: [[mask(v) if isinstance(v, str) else v for v in row] for row in rows] for title, rows in sheets.items()
    }


def files_of(folder: Path) -> dict[str, str]:
    """The golden files of one run's output folder: name → content."""
    return {
        "figures.json": (folder / "figures.json").read_text(encoding="utf-8"),
        "text.txt": masked_text((folder / "report.html").read_text(encoding="utf-8")),
        "xlsx.json": json.dumps(xlsx_cells(folder / "report.xlsx"), indent=1, ensure_ascii=False, default=str) + "\n",
    }


def run_quarter(quarter: str, mode: str, output_dir: Path) -> Path:
    """One sample quarter run on its own, as `qa-report run` in a process of its own (no
    published history: the inputs are the data alone); the golden files are written and
    checked from runs made here alike."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa_lib.cli",
            "run",
            "--quarter",
            quarter,
            "--data-root",
            "data/sample",
            "--output-dir",
            str(output_dir),
            "--mode",
            mode,
            "--formats",
            "html,xlsx",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"{quarter} {mode} did not run: {done.stderr}"
    return output_dir / quarter


def write_golden(work: Path) -> None:
    for quarter in QUARTERS:
        for mode in MODES:
            folder = run_quarter(quarter, mode, work / f"{quarter}-{mode}")
            for name, content in files_of(folder).items():
                target = GOLDEN / mode / quarter / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_golden(Path(tmp))
    print(f"golden files written to {GOLDEN.relative_to(ROOT)}/", file=sys.stderr)
