"""The appendix on how the report was produced: code, packages, parameters and every
input's SHA-256 (the manifest without times or output hashes), and the revisions to the
previous quarter's published figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa_lib import tables
from qa_lib.disclosure import NOT_AVAILABLE
from qa_lib.paper import Block, Box, Cell, Heading, Paragraph, spans
from qa_lib.prose import say
from qa_lib.sections.base import Section

if TYPE_CHECKING:
    from qa_lib.context import Context


def _say(sentence: str, **values: Any) -> str:
    return say("provenance", sentence, **values)


def _value(value: Any) -> Cell:
    """A figure's value as published or revised."""
    if value is None:
        return tables.symbol(NOT_AVAILABLE)
    if isinstance(value, float):
        return Cell(f"{value:.6g}", "decimal", value)
    if isinstance(value, int):
        return Cell(str(value), "count", value)
    return tables.text(str(value))


def build(ctx: Context) -> list[Block]:
    p = ctx.provenance
    parameters = "; ".join(f"{k} = {v}" for k, v in p["parameters"].items() if v is not None)
    code = _say("code", version=p["qa_workbook_version"], python=p["python"], commit=p["git"]["commit"],
                dirty=p["git"]["dirty"])
    body: list[Block] = [
        Heading(2, _say("heading")),
        Paragraph(spans(f"{code} {_say('parameters', text=parameters)}")),
        tables.table(_say("packages_caption"), _say("packages_columns").split("|"),
                     [[tables.label(name), tables.text(version)] for name, version in p["packages"].items()]),
        tables.table(_say("inputs_caption"), _say("inputs_columns").split("|"),
                     [[tables.label(path), tables.text(digest)] for path, digest in p["inputs"].items()],
                     [_say("inputs_note")])]
    if ctx.revisions:
        body.append(tables.table(
            _say("revisions_caption", quarter=ctx.quarter.previous.short_label), _say("revisions_columns").split("|"),
            [[tables.label(key), _value(old), _value(new)] for key, old, new in ctx.revisions], [_say("revisions_note")]))
    return [Box("provenance", body)]


SECTION = Section("provenance", build)
