"""The notebook analysts read and extend: section headings, cells tagged `paper` make the
paper and nothing else does, each section left in a variable with its figures and charts,
an analyst's own chart or table added with one call, the notebook executed recorded in
the manifest and re-executed by verify, and every output scanned for identifiers."""

from __future__ import annotations

import hashlib
import json
import shutil

import matplotlib
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from qa_lib import pipeline
from qa_lib.analyst import PaperError, add_to_paper
from qa_lib.cli import main
from qa_lib.paper import Figure, Table, walk
from qa_lib.sections import REGISTRY, section

from helpers import ROOT

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

QUARTER = "2013-14-Q4"
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.ipynb"


def test_markdown_headings_lead_to_each_paper_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    paper = [i for i, c in enumerate(nb.cells) if "paper" in c.metadata.get("tags", [])]
    assert len(paper) == len(REGISTRY)
    for index in paper:
        before = [c for c in nb.cells[:index] if c.cell_type == "markdown"]
        assert before and before[-1].source.startswith("## "), nb.cells[index].source
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert len([h for h in headings if h.startswith("## ")]) >= 7


def test_each_section_is_left_with_its_figures_and_charts(sample_context):
    context = sample_context(QUARTER)
    audits = section("audits").render(context)
    assert set(audits.figures["section"]) == {"audits", "standards"}
    assert len(audits.figures) == len(context.figures[context.figures["section"].isin(["audits", "standards"])])
    assert audits.charts and all(isinstance(c, matplotlib.figure.Figure) for c in audits.charts)
    assert len(audits.charts) == len([b for b in walk(audits.blocks) if isinstance(b, Figure)])
    assert '"chart":' not in json.dumps(audits.to_json()), "the matplotlib figures stay in the notebook"


def test_only_cells_tagged_paper_reach_the_paper(publication_run, tmp_path):
    """An exploring cell that displays a section, untagged, changes nothing rendered."""
    nb = nbformat.read(publication_run / "report.ipynb", as_version=4)
    source = next(c for c in nb.cells if 'section("feedback")' in c.source)
    exploring = nbformat.v4.new_code_cell("feedback  # looking again")
    exploring.outputs = source.outputs
    nb.cells.append(exploring)
    folder = tmp_path / "outputs" / QUARTER
    shutil.copytree(publication_run.resolve(), folder)
    nbformat.write(nb, folder / "report.ipynb")
    assert main(["render", str(folder), "--formats", "html,xlsx"]) == 0
    for name in ("report.html", "report.xlsx"):
        assert (folder / name).read_bytes() == (publication_run / name).read_bytes(), name


def _by_service(context) -> pd.DataFrame:
    figures = context.figures
    audited = figures[figures["measure"] == "audited"][["service", "count"]]
    return audited.rename(columns={"service": "Service", "count": "Audits"}).reset_index(drop=True)


def test_the_helper_requires_a_caption_and_alt_text_and_checks_counts(sample_context):
    context = sample_context(QUARTER)
    data = _by_service(context)
    fig, ax = plt.subplots()
    with pytest.raises(PaperError, match="needs a caption"):
        add_to_paper(context, caption=" ", data=data)
    with pytest.raises(PaperError, match="text alternative"):
        add_to_paper(context, caption="Audits by service", data=data, figure=fig, alt="A chart")
    with pytest.raises(PaperError, match="whole numbers"):
        add_to_paper(context, caption="x", data=data.assign(Audits=data["Audits"] / 3), counts=["Audits"])
    plt.close(fig)


def test_the_helper_suppresses_the_counts_it_shows(sample_context):
    data = pd.DataFrame(
        {"Team": ["North", "South", "East", "West"], "Audits": [120, 3, 64, 0], "Share": [64.5, 1.6, 34.4, 0.0]}
    )
    fig, ax = plt.subplots()
    ax.bar(data["Team"], data["Audits"])
    shown = add_to_paper(
        sample_context(QUARTER),
        caption="Audits by team",
        data=data,
        counts=["Audits"],
        shares=["Share"],
        figure=fig,
        alt="Bar chart of audits by team: North 120, East 64.",
    )
    table = next(b for b in walk(shown.blocks) if isinstance(b, Table))
    cells = {row[0].text: [c.text for c in row[1:]] for row in table.rows}
    # 3 is primary; with one small count in the column, the next smallest above zero (64) goes too.
    assert cells == {"North": ["120", "64.5"], "South": ["[c]", "[c]"], "East": ["[c]", "[c]"], "West": ["0", "0"]}
    assert not any(isinstance(b, Figure) for b in walk(shown.blocks)), "a chart of hidden counts is left out"
    internal = add_to_paper(
        sample_context(QUARTER, mode="internal"),
        caption="Audits by team",
        data=data,
        counts=["Audits"],
        figure=fig,
        alt="Bar chart of audits by team: North 120, East 64.",
    )
    assert any(isinstance(b, Figure) for b in walk(internal.blocks)), "the internal paper shows everything"
    plt.close(fig)


ANALYST_CELL = """import matplotlib.pyplot as plt

by_service = figures.query("measure == 'audited'")[["service", "count"]].rename(
    columns={"service": "Service", "count": "Audits"})
fig, ax = plt.subplots(figsize=(7, 2.5))
ax.barh(by_service["Service"], by_service["Audits"])
add_to_paper(context, heading="Audits by service", caption="Case file audits by service this quarter",
             data=by_service, counts=["Audits"], figure=fig,
             alt="Bar chart of the number of case file audits of each service this quarter.")"""


def _run_with(cells: list[tuple[str, list[str]]], tmp_path, monkeypatch, *args: str) -> int:
    """Run the sample quarter with extra cells (source, tags) before the figures cell."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if 'section("closing")' in c.source)
    for source, tags in reversed(cells):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.insert(at, cell)
    path = tmp_path / "analyst.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setattr(pipeline, "NOTEBOOK", str(path))
    return main(
        ["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(tmp_path / "out"), *args]
    )


def test_an_analyst_adds_a_chart_to_the_paper_from_a_cell(tmp_path, monkeypatch):
    assert _run_with([(ANALYST_CELL, ["paper"])], tmp_path, monkeypatch, "--formats", "html,pdf,xlsx") == 0
    folder = tmp_path / "out" / QUARTER
    soup = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    figure = next(f for f in soup.find_all("figure") if "Case file audits by service" in f.get_text())
    assert figure.img["alt"].startswith("Bar chart of the number of case file audits")
    caption = figure.figcaption.get_text()
    table = next(t for t in soup.find_all("table") if "Case file audits by service" in t.caption.get_text())
    assert [th.get_text() for th in table.thead.find_all("th")] == ["Service", "Audits"]
    assert caption.split(":")[0].startswith("Figure ") and table.caption.get_text().startswith("Table ")
    pdf = " ".join(page.extract_text() for page in PdfReader(folder / "report.pdf").pages)
    assert "Audits by service" in pdf and "Case file audits by service this quarter" in pdf
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    executed = tmp_path / "analyst.ipynb"
    assert manifest["notebook"]["sha256"] == hashlib.sha256(executed.read_bytes()).hexdigest()


def test_verify_re_executes_the_notebook_the_run_executed(tmp_path, monkeypatch, capsys):
    assert _run_with([(ANALYST_CELL, ["paper"])], tmp_path, monkeypatch, "--formats", "html") == 0
    # notebooks/ now holds another notebook: verify must not use it.
    monkeypatch.setattr(pipeline, "NOTEBOOK", str(tmp_path / "no-such-notebook.ipynb"))
    assert main(["verify", str(tmp_path / "out" / QUARTER)]) == 0
    assert "reproduced" in capsys.readouterr().out


def test_a_run_whose_outputs_hold_an_identifier_is_not_published(tmp_path, monkeypatch, capsys):
    leak = 'context.data.tables["case_audits"][["audit_id", "service"]].head(3)  # exploring, untagged'
    out = tmp_path / "out"
    assert _run_with([(leak, [])], tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "an identifier from the quarter's data is in the outputs" in err
    assert "report.ipynb, cell " in err and "case_audits.audit_id" in err
    assert not (out / QUARTER / "report.html").exists(), "nothing is published"
    assert (out / QUARTER / "failed" / "report.ipynb").is_file(), "the analyst can find the cell"
    assert "A134" not in err, "the message does not repeat the identifier"
