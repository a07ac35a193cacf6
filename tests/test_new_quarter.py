"""From an empty folder to a final paper: ``new-quarter`` writes everything a quarter needs,
``[to be written]`` shows as a marked gap in a draft (HTML, Word, PDF), and ``--status final``
refuses while a required part is unwritten, dropping optional ones still marked."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from qa_lib.cli import main
from qa_lib.commentary import blocks, for_final, parse_commentary
from qa_lib.errors import CommentaryError
from qa_lib.exporters import docx, pdf
from qa_lib.exporters.html import paper_html
from qa_lib.paper import GAP_MARK, Box, Gap, Heading, Paragraph, SectionOutput, assemble
from qa_lib.sections import commentary_ids, commentary_order
from qa_lib.sections.committee import REQUIRED_FOR_FINAL

from helpers import ROOT

QUARTER = "2014-15-Q2"
REQUIRED_MESSAGES = [f"section {s!r} is still marked {GAP_MARK}" for s in REQUIRED_FOR_FINAL]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project's params folder, so new-quarter's params file lands in tmp_path."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "params", root / "params")
    monkeypatch.setattr("qa_lib.cli.project_root", lambda: root)
    return root


def new_quarter(project: Path, *args: str) -> int:
    return main(
        [
            "new-quarter",
            *args,
            "--data-root",
            str(project / "data"),
            "--framework",
            str(project / "params" / "framework.yaml"),
        ]
    )


@pytest.mark.parametrize("form", [["--quarter", QUARTER], [QUARTER]])
def test_new_quarter_writes_everything_a_quarter_needs(project, framework, capsys, form):
    assert new_quarter(project, *form) == 0
    folder = project / "data" / QUARTER
    assert sorted(p.name for p in folder.iterdir()) == ["commentary.md", "quarter.yaml", "template.xlsx"]
    assert yaml.safe_load((project / "params" / f"{QUARTER}.yaml").read_text())["quarter"] == QUARTER
    assert yaml.safe_load((project / "data" / "data_set.yaml").read_text()) == {"data_set": "data"}
    # Every section the framework allows, in the paper's order, each holding only the mark.
    text = (folder / "commentary.md").read_text(encoding="utf-8")
    commentary = parse_commentary(text, commentary_ids(framework), "commentary.md")
    assert list(commentary.sections) == commentary_order(framework)
    assert set(commentary.sections) == commentary_ids(framework) and len(commentary.sections) > 10
    assert set(commentary.sections.values()) == {GAP_MARK}
    meeting = yaml.safe_load((folder / "quarter.yaml").read_text(encoding="utf-8"))["meeting"]
    assert "contact" in meeting and not any(meeting["contact"].values())
    out = capsys.readouterr().out
    assert "quarter.yaml and commentary.md" in out and "meeting.contact" in out


def test_new_quarter_refuses_two_different_quarters_or_none(project, capsys):
    for argv in (["2014-15-Q1", "--quarter", QUARTER], []):
        with pytest.raises(SystemExit) as exit_:
            new_quarter(project, *argv)
        assert exit_.value.code == 2 and "--quarter" in capsys.readouterr().err
    assert not (project / "data").exists()


def test_new_quarter_never_overwrites_the_analysts_files(project):
    folder = project / "data" / QUARTER
    folder.mkdir(parents=True)
    (folder / "commentary.md").write_text("## purpose\n\nOurs.\n", encoding="utf-8")
    assert new_quarter(project, "--quarter", QUARTER) == 0
    assert (folder / "commentary.md").read_text(encoding="utf-8") == "## purpose\n\nOurs.\n"


def test_validate_on_the_untouched_template_says_to_save_it_under_the_quarters_name(project, capsys):
    assert new_quarter(project, "--quarter", QUARTER) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "validate",
                "--quarter",
                QUARTER,
                "--data-root",
                str(project / "data"),
                "--framework",
                str(project / "params" / "framework.yaml"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "unsaved_template" in err and f"{QUARTER}/template.xlsx" in err
    assert f"saved as {QUARTER}.xlsx" in err
    assert "missing_table" not in err


# -- the gap --------------------------------------------------------------------------------


def test_only_the_exact_line_is_a_gap():
    assert blocks(GAP_MARK) == [Gap("To be written", blocks(GAP_MARK)[0].label)]
    assert blocks(f"  {GAP_MARK}\n") == blocks(GAP_MARK)
    for text in ("[To be written]", "[to be written] soon", f"Intro.\n{GAP_MARK}", "to be written", f"`{GAP_MARK}`"):
        assert not any(isinstance(b, Gap) for b in blocks(text)), text
    found = blocks(f"Written.\n\n{GAP_MARK}\n")
    assert isinstance(found[0], Paragraph) and isinstance(found[1], Gap)


def gap_paper() -> object:
    section = [Box("section", [Heading(2, "Purpose of the report"), *blocks(f"Written words.\n\n{GAP_MARK}")])]
    return assemble(
        [SectionOutput("opening", section)],
        {"title": "Paper", "marking": "OFFICIAL", "status": "draft", "document_date": "2014-06-16"},
    )


def test_the_gap_is_visible_and_named_in_html():
    html = paper_html(gap_paper())
    gap = re.search(r'<div class="gap" role="note" aria-label="([^"]+)"><p>To be written</p></div>', html)
    assert gap and "still to be written" in gap[1]
    assert "[to be written]" not in html
    css = (ROOT / "qa_lib" / "templates" / "html" / "report.css").read_text(encoding="utf-8")
    assert re.search(r"\.gap \{[^}]*border: 3px", css)


def test_the_gap_is_marked_in_word_and_in_the_pdf(tmp_path):
    from docx import Document

    paper = gap_paper()
    docx.write(paper, {}, tmp_path / "paper.docx")
    gap = next(p for p in Document(tmp_path / "paper.docx").paragraphs if "To be written" in p.text)
    assert gap.text == "[To be written]" and gap.runs[0].bold and gap.runs[0].font.highlight_color is not None
    pdf.write(paper, {}, tmp_path / "paper.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "paper.pdf").pages)
    assert "To be written" in text and "Written words." in text and GAP_MARK not in text


# -- a final paper --------------------------------------------------------------------------


def skeleton(framework) -> str:
    return "".join(f"## {s}\n\n{GAP_MARK}\n\n" for s in commentary_order(framework))


def test_final_refuses_naming_every_unwritten_required_part(framework):
    commentary = parse_commentary(skeleton(framework), commentary_ids(framework), "c.md")
    with pytest.raises(CommentaryError) as err:
        for_final(commentary, {}, REQUIRED_FOR_FINAL, "c.md", "q/quarter.yaml")
    for message in [*REQUIRED_MESSAGES, "meeting.contact is missing from q/quarter.yaml"]:
        assert message in str(err.value)
    missing = parse_commentary("## information\n\nText.\n", commentary_ids(framework), "c.md")
    with pytest.raises(CommentaryError) as err:
        for_final(missing, {"contact": {"name": "A"}}, REQUIRED_FOR_FINAL, "c.md", "q/quarter.yaml")
    assert all(f"section {s!r} is missing" in str(err.value) for s in REQUIRED_FOR_FINAL)
    assert "meeting.contact" not in str(err.value)


def test_final_drops_optional_sections_still_marked_with_a_warning(framework):
    text = skeleton(framework)
    for section in REQUIRED_FOR_FINAL:
        text = text.replace(f"## {section}\n\n{GAP_MARK}", f"## {section}\n\nWritten.")
    text = text.replace(f"## information\n\n{GAP_MARK}", "## information\n\nAdvice.")
    commentary = parse_commentary(text, commentary_ids(framework), "c.md")
    kept, warnings = for_final(commentary, {"contact": {"name": "A"}}, REQUIRED_FOR_FINAL, "c.md", "q.yaml")
    assert set(kept.sections) == {*REQUIRED_FOR_FINAL, "information"}
    dropped = set(commentary_ids(framework)) - set(kept.sections)
    assert {w.column for w in warnings} == dropped and {w.rule for w in warnings} == {"commentary_unwritten"}
    assert {w.severity for w in warnings} == {"warning"}


@pytest.fixture
def skeleton_quarter(copy_sample, framework):
    root = copy_sample("2013-14-Q3", "2013-14-Q4")
    (root / "2013-14-Q4" / "commentary.md").write_text(skeleton(framework), encoding="utf-8")
    return root


def validate(root: Path, *args: str) -> int:
    return main(["validate", "--quarter", "2013-14-Q4", "--data-root", str(root), *args])


def test_validate_final_exits_2_naming_them_all_and_a_draft_passes(skeleton_quarter, capsys):
    meeting = skeleton_quarter / "2013-14-Q4" / "quarter.yaml"
    data = yaml.safe_load(meeting.read_text(encoding="utf-8"))
    del data["meeting"]["contact"]
    meeting.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert validate(skeleton_quarter, "--status", "final") == 2
    err = capsys.readouterr().err
    for message in [*REQUIRED_MESSAGES, "meeting.contact is missing from 2013-14-Q4/quarter.yaml"]:
        assert message in err
    assert "Traceback" not in err
    assert validate(skeleton_quarter) == 0


def test_validate_final_with_the_required_parts_written_warns_of_the_rest(skeleton_quarter, capsys, caplog):
    path = skeleton_quarter / "2013-14-Q4" / "commentary.md"
    text = path.read_text(encoding="utf-8")
    for section in REQUIRED_FOR_FINAL:
        text = text.replace(f"## {section}\n\n{GAP_MARK}", f"## {section}\n\nWritten.")
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="qa_lib"):
        assert validate(skeleton_quarter, "--status", "final") == 0
    assert "section reasons is still marked [to be written]: left out of the final paper" in caplog.text
    assert "commentary_unwritten" in capsys.readouterr().err


def test_a_final_paper_has_no_gap_no_empty_heading_and_its_recommendation(skeleton_quarter):
    from qa_lib.context import build_context
    from qa_lib.sections import committee

    path = skeleton_quarter / "2013-14-Q4" / "commentary.md"
    text = path.read_text(encoding="utf-8")
    for section in REQUIRED_FOR_FINAL:
        text = text.replace(f"## {section}\n\n{GAP_MARK}", f"## {section}\n\nWritten {section}.")
    path.write_text(text, encoding="utf-8")
    ctx = build_context("2013-14-Q4", str(skeleton_quarter), status="final")
    made = committee.build_opening(ctx) + committee.build_closing(ctx)
    html = paper_html(
        assemble(
            [SectionOutput("s", made)],
            {"title": "t", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"},
        )
    )
    assert 'class="gap"' not in html and "Written recommendation." in html
    headings = [b for box in made if isinstance(box, Box) for b in box.blocks if isinstance(b, Heading)]
    assert all(len(box.blocks) > 1 for box in made if isinstance(box, Box)), headings
    assert "Information and advice" not in html and "Summary" not in html
    draft = build_context("2013-14-Q4", str(skeleton_quarter), status="draft")
    assert "Information and advice" in paper_html(
        assemble(
            [SectionOutput("s", committee.build_opening(draft))],
            {"title": "t", "marking": "OFFICIAL", "status": "draft", "document_date": "2014-06-16"},
        )
    )


@pytest.mark.slow
def test_run_final_refuses_with_exit_2_and_writes_no_paper(skeleton_quarter, tmp_path, capsys):
    out = tmp_path / "outputs"
    assert (
        main(
            [
                "run",
                "--quarter",
                "2013-14-Q4",
                "--data-root",
                str(skeleton_quarter),
                "--output-dir",
                str(out),
                "--status",
                "final",
                "--formats",
                "html",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert all(message in err for message in REQUIRED_MESSAGES)
    assert not (out / "2013-14-Q4" / "report.html").exists()
    assert "commentary" in (out / "2013-14-Q4" / "failed" / "validation.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_draft_with_gaps_has_no_accessibility_violations(tmp_path):
    from test_formats import CHROMIUM, axe_violations

    if CHROMIUM is None:
        pytest.fail("Chromium is needed for the accessibility check (apt-get install chromium)")
    page = tmp_path / "draft.html"
    page.write_text(paper_html(gap_paper()), encoding="utf-8")
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"][:120]) for v in violations]


def test_final_from_the_params_file_is_refused_as_from_the_command_line(skeleton_quarter, tmp_path, capsys):
    params = tmp_path / "2013-14-Q4.yaml"
    params.write_text(
        yaml.safe_dump({"quarter": "2013-14-Q4", "data_root": str(skeleton_quarter), "status": "final"}),
        encoding="utf-8",
    )
    assert main(["validate", "--quarter", "2013-14-Q4", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert all(message in err for message in REQUIRED_MESSAGES), err
    assert main(["validate", "--quarter", "2013-14-Q4", "--params", str(params), "--status", "draft"]) == 0
