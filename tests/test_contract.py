"""The data contract is declared once (qa_lib/contract.py): the readers, the pandera schemas,
the data-entry workbook and docs/data-contract.md are all made from that declaration."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from qa_lib import contract
from qa_lib.contract import Column, Kind
from qa_lib.loading import TABLES, TableSpec
from qa_lib.quarter import Quarter
from qa_lib.template import build_template
from qa_lib.validation import _schemas

from helpers import ROOT

Q = Quarter.parse("2014-15-Q2")


def test_the_committed_data_contract_is_as_the_declaration_generates_it():
    committed = (ROOT / contract.DOC).read_text(encoding="utf-8")
    assert committed == contract.render_doc(ROOT / contract.SAMPLE_FRAMEWORK), (
        "docs/data-contract.md is stale: regenerate it with `make docs` "
        "(python -m qa_lib.contract --write-docs) and commit it"
    )


def test_the_check_command_finds_a_stale_document_and_write_docs_mends_it(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "params").mkdir()
    shutil.copyfile(ROOT / contract.SAMPLE_FRAMEWORK, tmp_path / contract.SAMPLE_FRAMEWORK)
    stale = (
        (ROOT / contract.DOC).read_text(encoding="utf-8").replace("| `grade` | yes | yes |", "| `grade` | yes | no |")
    )
    (tmp_path / contract.DOC).write_text(stale, encoding="utf-8")
    assert contract.main(["--check", "--root", str(tmp_path)]) == 1
    assert "make docs" in capsys.readouterr().err
    assert contract.main(["--write-docs", "--root", str(tmp_path)]) == 0
    assert contract.main(["--check", "--root", str(tmp_path)]) == 0
    assert "| `grade` | yes | yes |" in (tmp_path / contract.DOC).read_text(encoding="utf-8")


def test_a_column_declared_once_reaches_every_place(monkeypatch, framework):
    table = contract.TABLES["engagement"]
    venue = Column(
        "venue_ref", Kind.TEXT, "The venue's booking reference.", required=False, blank=True, identifier=True
    )
    monkeypatch.setitem(contract.TABLES, "engagement", dataclasses.replace(table, columns=(*table.columns, venue)))
    spec = TableSpec.of(contract.TABLES["engagement"])
    assert "venue_ref" in spec.optional and "venue_ref" in spec.identifiers
    assert "venue_ref" in _schemas(framework, Q)["engagement"].columns
    book = build_template(framework, Q)
    assert [c.value for c in book["engagement"][1]][-1] == "venue_ref"
    notes = {(row[0], row[1]): row[3] for row in book["notes"].iter_rows(values_only=True) if row and row[1]}
    assert notes[("engagement", "venue_ref")].startswith("The venue's booking reference.")
    assert "Never shown in a report." in notes[("engagement", "venue_ref")]
    doc = contract.render_doc(ROOT / contract.SAMPLE_FRAMEWORK)
    assert "| `venue_ref` | no | yes | an id (free text) | The venue's booking reference. Never shown" in doc
    assert "`venue_ref`" in doc.split("**Identifiers**", 1)[1].split("\n- ", 1)[0]


def test_the_readers_see_the_declared_columns():
    for name, table in contract.TABLES.items():
        spec = TABLES[name]
        assert (*spec.required, *spec.optional) == table.names
        assert spec.required_table == table.required
        assert set(spec.coded) == {c.name for c in table.columns if c.coded}
        assert spec.identifiers == tuple(c.name for c in table.columns if c.identifier)


def test_every_rule_a_schema_can_report_is_in_the_document(framework):
    declared = set(contract.rules())
    for schema in _schemas(framework, Q).values():
        for column in schema.columns.values():
            assert {check.name for check in column.checks} <= declared
    doc = (ROOT / contract.DOC).read_text(encoding="utf-8")
    rules = doc.split("- of the tables' values", 1)[1].split("\n- ", 1)[0]
    assert {r for r in declared if f"`{r}`" in rules} == declared


def test_the_notes_sheet_gives_every_column_its_declared_note(framework):
    rows = [row for row in build_template(framework, Q)["notes"].iter_rows(values_only=True) if row and row[1]][1:]
    expected = [
        (t.name, name, "yes" if t.column(name).required else "no") for t in contract.TABLES.values() for name in t.names
    ]
    assert [row[:3] for row in rows] == expected
    for table, name, _, text in rows:
        assert text.startswith(contract.TABLES[table].column(name).note)


def test_every_commentary_section_is_described_and_nothing_else(framework):
    described = {
        "key_messages": "k",
        "purpose": "p",
        "information": "i",
        "audit.<service>": "a",
        "audits_future": "f",
        "feedback.<topic>": "t",
        "engagement": "e",
        "summary": "s",
        "future_developments": "d",
        "other_options": "o",
        "reasons": "r",
        "statutory_implications": "l",
        "recommendation": "c",
        "constitutional_comments": "k",
        "financial_comments": "m",
        "background_papers": "b",
        "electoral_divisions": "v",
    }
    rows = contract._commentary_rows(framework, described)
    assert [r[0] for r in rows] == list(described)
    assert dict((r[0], r[2]) for r in rows)["audit.<service>"] == sorted(f"audit.{s}" for s in framework.service_ids)
    with pytest.raises(ValueError, match="summary"):
        contract._commentary_rows(framework, {k: v for k, v in described.items() if k != "summary"})
    with pytest.raises(ValueError, match="appendix"):
        contract._commentary_rows(framework, {**described, "appendix": "x"})


def test_a_column_must_be_declared_consistently():
    with pytest.raises(ValueError, match="names its list"):
        Column("service", Kind.CATEGORY, "The service.")
    with pytest.raises(ValueError, match="refers to"):
        Column("audit_id", Kind.REFERENCE, "The audit.")
    with pytest.raises(ValueError, match="declared twice"):
        contract.Table("t", "rows", (Column("a", Kind.TEXT, "A."), Column("a", Kind.TEXT, "A.")))
