"""No identifier of the quarter's data in any output: every run scans what it wrote.

The kernel, which holds the quarter's tables, writes their identifiers (audit, case,
respondent, response, quote and activity ids) to a private file the command names
(:data:`IDENTIFIERS_ENV`); the command scans every output for them before it publishes,
and deletes the file. An identifier is found where it stands as a word of its own (its
characters bounded by characters no identifier uses), so ``A134-CSC-0270`` is found in
``(A134-CSC-0270)`` and a table cell, but a count is not taken for a numeric id: ids of
digits only, shorter than :data:`SHORTEST_NUMBER`, cannot be told from the figures and
are not scanned (the data contract asks for ids with letters).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IDENTIFIERS_ENV = "QA_IDENTIFIERS_FILE"
SHORTEST_NUMBER = 6


@dataclass(frozen=True)
class Hit:
    """Where an identifier was found: the output file, and the notebook cell or part of it."""

    file: str
    where: str
    column: str  # the data column the identifier comes from (not the value: that would repeat the leak)

    def describe(self) -> str:
        return f"{self.file}{', ' + self.where if self.where else ''} (a value of {self.column})"


def write_identifiers(tables: Mapping[str, Any], specs: Mapping[str, Any]) -> None:
    """Write the quarter's identifiers, column by column, to the file the command named, if any."""
    target = os.environ.get(IDENTIFIERS_ENV)
    if not target:
        return
    found: dict[str, list[str]] = {}
    for name, spec in specs.items():
        frame = tables.get(name)
        for column in getattr(spec, "identifiers", ()):
            if frame is not None and column in frame:
                values = frame[column].astype(str).unique()
                found[f"{name}.{column}"] = [v for v in values if v]
    Path(target).write_text(json.dumps(found), encoding="utf-8")


def read_identifiers(path: Path) -> dict[str, str]:
    """Each identifier and the column it comes from, leaving out those not scanned."""
    columns = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and path.stat().st_size else {}
    return {
        value: column
        for column, values in columns.items()
        for value in values
        if not (value.isdigit() and len(value) < SHORTEST_NUMBER)
    }


class Scanner:
    """Finds identifiers in text: each run of the characters identifiers are made of is
    looked up whole (one set lookup a word, whatever the number of identifiers)."""

    def __init__(self, identifiers: dict[str, str]):
        self.identifiers = identifiers
        characters = {c for value in identifiers for c in value}
        simple = "".join(sorted(c for c in characters if not c.isspace()))
        self._word = re.compile(f"[{re.escape(simple)}]+") if simple else None
        # Identifiers with a space or another separator inside are looked for as they are.
        self._spaced = [v for v in identifiers if any(c.isspace() for c in v)]

    def columns_in(self, text: str) -> list[str]:
        """The columns whose identifiers ``text`` holds."""
        found = set()
        if self._word is not None:
            for word in self._word.findall(text):
                if word in self.identifiers:
                    found.add(self.identifiers[word])
                stripped = word.strip(".-_/")
                if stripped != word and stripped in self.identifiers:
                    found.add(self.identifiers[stripped])
        found |= {self.identifiers[v] for v in self._spaced if v in text}
        return sorted(found)


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """The text of an output, in parts a person can find: each notebook cell, each member of
    a zip (Word, the spreadsheet), each page of the PDF, or the file."""
    if path.suffix == ".ipynb":
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8")).get("cells", []), start=1):
            first = "".join(cell.get("source", "")).strip().splitlines()[:1]
            yield f"cell {index} ({first[0][:60] if first else 'empty'})", json.dumps(cell, ensure_ascii=False)
    elif path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith((".xml", ".rels")):
                    yield member, archive.read(member).decode("utf-8", "replace")
    elif path.suffix == ".pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(str(path))
        try:
            for number in range(len(document)):
                yield f"page {number + 1}", document[number].get_textpage().get_text_range()
        finally:
            document.close()
    else:
        yield "", path.read_text(encoding="utf-8", errors="replace")


def scan(files: Iterable[Path], identifiers: dict[str, str]) -> list[Hit]:
    """Every place an output holds one of the quarter's identifiers."""
    if not identifiers:
        return []
    scanner = Scanner(identifiers)
    hits = []
    for path in files:
        for where, text in _texts(path):
            hits += [Hit(path.name, where, column) for column in scanner.columns_in(text)]
    return hits
