"""An auditor re-runs any quarter and gets the same answer: manifest, determinism,
verify, history and revisions, status, run log, batch and new quarters."""

from __future__ import annotations

import pytest
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml
from pypdf import PdfReader

import qa_lib
from qa_lib.cli import main
from qa_lib.context import build_context
from qa_lib.sections import section

from helpers import ROOT, output_texts, publish_a_revised_quarter, publish_figures, section_html

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

QUARTER = "2013-14-Q4"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_records_inputs_versions_code_times_and_outputs(publication_run):
    manifest = json.loads((publication_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["qa_workbook_version"] == qa_lib.__version__
    assert manifest["parameters"]["quarter"] == QUARTER and manifest["parameters"]["data_root"] == "data/sample"
    assert manifest["inputs"]["params/framework.yaml"] == sha(ROOT / "params" / "framework.yaml")
    assert manifest["inputs"]["<params>/2013-14-Q4.yaml"] == sha(ROOT / "params" / "2013-14-Q4.yaml")
    for name, digest in manifest["inputs"].items():
        if name.startswith("<data root>/"):
            assert digest == sha(ROOT / "data" / "sample" / name.removeprefix("<data root>/")), name
    assert "<data root>/2013-14-Q3/case_audits.csv" in manifest["inputs"], "the comparison quarter is an input"
    assert {"pandas", "scipy", "statsmodels", "matplotlib", "typst", "jinja2"} <= set(manifest["packages"])
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["git"]["commit"]) and isinstance(manifest["git"]["dirty"], bool)
    assert manifest["started"] <= manifest["finished"]
    for name, digest in manifest["outputs"].items():
        assert digest == sha(publication_run / name), name
    assert {
        "report.html",
        "report.pdf",
        "report.xlsx",
        "report.docx",
        "figures.json",
        "report.ipynb",
        "provenance.html",
        "run.log",
    } <= set(manifest["outputs"])
    # provenance.html carries the same record, without times or output hashes; the paper does not.
    record = (publication_run / "provenance.html").read_text(encoding="utf-8")
    assert manifest["git"]["commit"] in record and manifest["inputs"]["params/framework.yaml"] in record
    assert "statsmodels" in record
    assert manifest["started"] not in record and manifest["outputs"]["figures.json"] not in record
    html = (publication_run / "report.html").read_text(encoding="utf-8")
    assert manifest["git"]["commit"] not in html and manifest["inputs"]["params/framework.yaml"] not in html


def test_no_machine_path_or_user_name_in_any_output(publication_run):
    machine = [str(publication_run.parent.parent), str(Path.home()), str(ROOT), "/tmp/", "/root/", "/home/"]
    for name, text in output_texts(publication_run):
        for fragment in machine:
            assert fragment not in text, f"{fragment} in {name}"
    nb = nbformat.read(publication_run / "report.ipynb", as_version=4)
    assert nb.metadata.papermill.input_path == "notebooks/quarterly_report.ipynb"
    assert nb.metadata.papermill.output_path == "report.ipynb"


def test_two_runs_make_the_same_bytes(publication_run, tmp_path):
    time.sleep(1.1)  # a different second on the clock
    assert (
        main(
            [
                "run",
                "--quarter",
                QUARTER,
                "--params",
                str(ROOT / "params" / "2013-14-Q4.yaml"),
                "--output-dir",
                str(tmp_path / "elsewhere"),
                "--mode",
                "publication",
                "--formats",
                "html,pdf,docx,xlsx",
            ]
        )
        == 0
    )
    again = tmp_path / "elsewhere" / QUARTER
    for name in ("report.html", "figures.json", "report.xlsx", "report.pdf", "provenance.html"):
        assert (publication_run / name).read_bytes() == (again / name).read_bytes(), name
    first = nbformat.read(publication_run / "report.ipynb", as_version=4)
    second = nbformat.read(again / "report.ipynb", as_version=4)
    assert [c.get("outputs") for c in first.cells] == [c.get("outputs") for c in second.cells]


def test_the_executed_notebook_passes_nbval_when_rerun(publication_run):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            str(publication_run / "report.ipynb"),
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "nbval_sanitize.cfg",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_verify_reproduces_a_run_and_catches_a_tampered_input(tmp_path, copy_sample, capsys):
    data = copy_sample("2013-14-Q3", QUARTER)
    out = tmp_path / "out"
    assert main(["run", "--quarter", QUARTER, "--data-root", str(data), "--output-dir", str(out)]) == 0
    assert main(["verify", str(out / QUARTER), "--data-root", str(data)]) == 0
    assert "reproduced" in capsys.readouterr().out
    path = data / QUARTER / "case_audits.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, row in enumerate(rows) if ",adequate," in row)
    rows[index] = rows[index].replace(",adequate,", ",inadequate,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["verify", str(out / QUARTER), "--data-root", str(data)]) == 1
    err = capsys.readouterr().err
    assert "input <data root>/2013-14-Q4/case_audits.csv has changed since the run" in err
    assert "figures audits.csc.grade.inadequate.count: was 58, now 59" in err


def test_revised_previous_figures_are_used_marked_and_listed(tmp_path, copy_sample):
    data = copy_sample("2013-14-Q2", "2013-14-Q3", QUARTER)
    out = tmp_path / "outputs"
    key = "audits.csc.grade.inadequate.count"
    first, recomputed = publish_a_revised_quarter(data, out, key)
    context = build_context(QUARTER, str(data), output_dir=str(out), mode="internal")
    assert (key, first, recomputed) in context.revisions
    assert context.figures_document()["previous"][key] == recomputed, "the report uses the recomputed value"
    html = section_html(section("audits").build(context))
    assert f"{recomputed} [r]" in html
    assert "1 figure for quarter 3 2013-14 revised since first published" in section_html(
        section("about").build(context)
    )
    assert {"figure": key, "published": first, "revised": recomputed} in context.provenance["revisions"]
    assert "<output dir>/2013-14-Q3/figures.json" in context.provenance["inputs"]


def test_history_takes_a_reported_quarter_whose_data_are_gone(tmp_path, copy_sample):
    data = copy_sample("2013-14-Q1", "2013-14-Q3", QUARTER)
    out = tmp_path / "outputs"
    document = build_context("2013-14-Q2", "data/sample").figures_document()
    publish_figures(out, document)
    with_published = dict((str(q), v) for q, v in build_context(QUARTER, str(data), output_dir=str(out)).history)
    without = dict((str(q), v) for q, v in build_context(QUARTER, str(data), output_dir=str(tmp_path / "none")).history)
    assert with_published["2013-14-Q2"] is not None
    assert without["2013-14-Q2"] is None, "a quarter with neither data nor figures is a gap"


def test_draft_is_watermarked_on_every_page_and_final_is_not(publication_run, sample_context):
    pages = PdfReader(publication_run / "report.pdf").pages
    assert all("DRAFT" in page.extract_text() for page in pages)
    from qa_lib.exporters.html import paper_html
    from qa_lib.paper import assemble

    papers = {}
    for status in ("draft", "final"):
        context = sample_context(QUARTER, status=status)
        papers[status] = paper_html(assemble([section("front_sheet").render(context)], context.figures_output().meta))
    assert 'class="watermark"' in papers["draft"] and 'class="watermark"' not in papers["final"]
    assert "Draft: not for decision" in papers["draft"] and "<dd>Final</dd>" in papers["final"]


def test_each_run_leaves_a_log(publication_run):
    text = (publication_run / "run.log").read_text(encoding="utf-8")
    assert f"run of {QUARTER} started" in text and "outputs written" in text


def test_version_is_semantic_and_in_the_changelog():
    assert re.fullmatch(r"\d+\.\d+\.\d+", qa_lib.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(qa_lib.__version__)}\b", changelog, re.MULTILINE)


def test_batch_runs_quarters_in_parallel_and_isolates_a_failure(tmp_path, copy_sample):
    data = copy_sample("2013-14-Q2", "2013-14-Q3", QUARTER)
    (data / "2013-14-Q3" / "case_audits.csv").write_text("audit_id\n1\n", encoding="utf-8")  # broken
    out = tmp_path / "outputs"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa_lib.cli",
            "batch",
            "--from",
            "2013-14-Q2",
            "--to",
            QUARTER,
            "--data-root",
            str(data),
            "--output-dir",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    summary = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert " ok " in summary["2013-14-Q2"] and " ok " in summary[QUARTER]
    # The broken quarter's own reason, in one line that needs nothing above it.
    assert "failed (exit 2) " in summary["2013-14-Q3"] and "2013-14-Q3/case_audits.csv" in summary["2013-14-Q3"]
    assert "listed above" not in result.stdout
    # Q4 carries on without its comparison, and says why.
    assert (out / "2013-14-Q2" / "report.html").is_file() and (out / QUARTER / "report.html").is_file()
    figures = json.loads((out / QUARTER / "figures.json").read_text(encoding="utf-8"))
    assert figures["previous_quarter"] is None and figures["previous"] == {}
    assert "earlier_quarter_invalid" in (out / QUARTER / "run.log").read_text(encoding="utf-8")
    assert "the data for quarter 3 2013-14 did not pass validation" in (out / QUARTER / "report.html").read_text(
        encoding="utf-8"
    )
    # In a pipe, no progress; the index of quarters is written once, listing the quarters published.
    assert "quarters done" not in result.stderr and "\r" not in result.stderr
    from bs4 import BeautifulSoup

    listed = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser").find("table").tbody
    assert [th.get_text() for th in listed.find_all("th")] == ["Q4 2013-14", "Q2 2013-14"]
    assert "index.html" in result.stdout


def test_new_quarter_creates_params_and_a_data_folder(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    (project / "params").mkdir(parents=True)
    shutil.copy(ROOT / "params" / "framework.yaml", project / "params")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("QA_PROJECT_ROOT", str(project))
    monkeypatch.chdir(project)
    assert main(["new-quarter", "2014-15-Q2"]) == 0
    params = (project / "params" / "2014-15-Q2.yaml").read_text(encoding="utf-8")
    assert "quarter: 2014-15-Q2" in params and "data_root: data" in params
    assert (project / "data" / "2014-15-Q2" / "template.xlsx").is_file()
    # A new data root is named as a data set of its own, so its runs never take another's history.
    assert yaml.safe_load((project / "data" / "data_set.yaml").read_text(encoding="utf-8")) == {"data_set": "data"}
    out = capsys.readouterr().out
    assert "qa-report validate --quarter 2014-15-Q2" in out and "Fill in" in out
    assert main(["new-quarter", "2014-15-Q2"]) == 2, "an existing params file is never overwritten"


def test_render_makes_the_outputs_again_without_executing(publication_run, tmp_path, monkeypatch):
    from qa_lib import pipeline

    copy = tmp_path / "outputs" / QUARTER
    shutil.copytree(publication_run.resolve(), copy)
    before = (copy / "report.html").read_bytes()
    record = (copy / "provenance.html").read_bytes()
    (copy / "provenance.html").unlink()  # render makes the record of the run again, whatever the formats

    def no_execution(*args, **kwargs):
        raise AssertionError("render must not execute the notebook")

    monkeypatch.setattr(pipeline, "execute_notebook", no_execution)
    carried = {name: sha(copy / name) for name in ("report.docx", "report.xlsx")}
    assert main(["render", str(copy), "--formats", "html,pdf"]) == 0
    assert (copy / "report.html").read_bytes() == before
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["report.html"] == sha(copy / "report.html")
    assert (copy / "provenance.html").read_bytes() == record
    assert manifest["outputs"]["provenance.html"] == sha(copy / "provenance.html")
    # The formats not asked for are carried over unchanged, and still listed and hashed.
    assert {name: sha(copy / name) for name in carried} == carried
    assert manifest["formats"] == ["html", "pdf", "docx", "xlsx"]
    assert all(manifest["outputs"][name] == digest for name, digest in carried.items())
    assert "re-render of 2013-14-Q4 without executing" in (copy / "run.log").read_text(encoding="utf-8")


def _published_copy(publication_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "outputs" / QUARTER
    shutil.copytree(publication_run.resolve(), copy)
    return copy


def test_render_of_a_run_made_by_other_code_it_cannot_read_exits_2_and_says_to_run_again(
    publication_run, tmp_path, capsys
):
    copy = _published_copy(publication_run, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["qa_workbook_version"], manifest["git"]["commit"] = "0.0.9", "0" * 40
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    nb = nbformat.read(copy / "report.ipynb", as_version=4)
    for cell in nb.cells:  # a paper in a shape of its own, as an older version wrote it
        for output in cell.get("outputs", []):
            if "application/vnd.qa-workbook.section+json" in output.get("data", {}):
                output["data"]["application/vnd.qa-workbook.section+json"] = {"title": "older", "parts": [1]}
    nbformat.write(nb, copy / "report.ipynb")
    before = {p.name: sha(p) for p in copy.iterdir() if p.is_file()}
    assert main(["render", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "report.ipynb was made by other code (it was version 0.0.9" in err
    assert "run the quarter again (`qa-report run`)" in err
    assert {p.name: sha(p) for p in copy.iterdir() if p.is_file()} == before, "the outputs stay as they were"


def test_render_of_a_damaged_notebook_exits_2_naming_it(publication_run, tmp_path, capsys):
    copy = _published_copy(publication_run, tmp_path)
    (copy / "report.ipynb").write_bytes((copy / "report.ipynb").read_bytes()[:2000])
    before = sha(copy / "report.html")
    assert main(["render", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"{QUARTER}/report.ipynb is damaged (" in err and "Traceback" not in err
    assert sha(copy / "report.html") == before


def test_run_makes_every_format_the_published_outputs_had(publication_run, tmp_path, capsys):
    out = tmp_path / "outputs"
    shutil.copytree(publication_run.resolve(), out / QUARTER)
    assert (
        main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out), "--formats", "html"])
        == 0
    )
    manifest = json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["html", "pdf", "docx", "xlsx"]
    for kind in manifest["formats"]:
        path = out / QUARTER / f"report.{kind}"
        assert manifest["outputs"][path.name] == sha(path), kind
        assert path.stat().st_mtime > (out / QUARTER / "report.ipynb").stat().st_mtime - 60
    assert "report.docx" in capsys.readouterr().out, "the summary lists every file written"


def test_published_history_is_taken_only_from_the_same_data_set(tmp_path, copy_sample, capsys):
    """A real quarter beside the sample never takes the sample's published figures as its history."""
    out = tmp_path / "outputs"
    assert (
        main(
            [
                "run",
                "--quarter",
                "2013-14-Q3",
                "--data-root",
                "data/sample",
                "--output-dir",
                str(out),
                "--formats",
                "html",
            ]
        )
        == 0
    )
    sample_q3 = json.loads((out / "2013-14-Q3" / "figures.json").read_text(encoding="utf-8"))["figures"]
    assert (
        json.loads((out / "2013-14-Q3" / "manifest.json").read_text(encoding="utf-8"))["data_set"] == "synthetic-sample"
    )
    real = copy_sample(QUARTER)
    for named in (True, False):
        if named:
            (real / "data_set.yaml").write_text("data_set: council-test\n", encoding="utf-8")
        else:
            (real / "data_set.yaml").unlink()
        capsys.readouterr()
        assert (
            main(
                [
                    "run",
                    "--quarter",
                    QUARTER,
                    "--data-root",
                    str(real),
                    "--output-dir",
                    str(out),
                    "--formats",
                    "html",
                    "--mode",
                    "internal",
                ]
            )
            == 0
        )
        err = capsys.readouterr().err
        manifest = json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["data_set"] == ("council-test" if named else None)
        assert not [name for name in manifest["inputs"] if name.startswith("<output dir>/")]
        figures = json.loads((out / QUARTER / "figures.json").read_text(encoding="utf-8"))
        assert set(figures) == {"quarter", "previous_quarter", "figures", "previous"}
        assert figures["previous"] == {} and "data_set" not in json.dumps(figures)
        text = (out / QUARTER / "report.html").read_text(encoding="utf-8")
        assert "Audit grades over time" not in text, "no trend from another data set's figures"
        assert "published_history_ignored" in err and "<output dir>/2013-14-Q3/figures.json" in err
        assert ("unnamed_data_set" in err) is not named
    # The sample's own run does take its published history.
    publish_figures(
        tmp_path / "sample-out",
        {"quarter": "2013-14-Q3", "previous_quarter": None, "figures": sample_q3, "previous": {}},
    )
    context = build_context(QUARTER, "data/sample", output_dir=str(tmp_path / "sample-out"))
    assert "<output dir>/2013-14-Q3/figures.json" in context.provenance["inputs"]
