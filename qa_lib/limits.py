"""Limits on every file a run reads, and the checks made before any parser sees one.

A quarter's folder is written by people and by other systems' exports; a file in it
may be a link elsewhere, a pipe, a zip bomb, a sheet whose used range reaches the
last cell, or YAML whose aliases expand beyond memory. Every such file is refused
here, cheaply and before the parser that would hang or crash on it, with a
:class:`~qa_lib.errors.DataError` naming the file and the limit. Each limit is a
:class:`Limit` below, listed in :data:`LIMITS` and in the data contract's "Limits".
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn

import yaml

from qa_lib.errors import DataError, Problem

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class Limit:
    """One stated limit: its name (as messages and the data contract give it), value and meaning;
    ``detail`` says more in the data contract's table of limits."""

    name: str
    value: int
    unit: str
    meaning: str
    detail: str = ""

    def text(self) -> str:
        """The value as a person reads it: ``512 MiB``, ``5,000,000 cells``."""
        if self.unit == "bytes":
            for size, word in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
                if self.value >= size and self.value % size == 0:
                    return f"{self.value // size:,} {word}"
            return f"{self.value:,} bytes"
        return f"{self.value:,} {self.unit}".rstrip()

    def over(self, found: str, remedy: str) -> str:
        """The ``expected`` text of a problem for an input over this limit."""
        return f"at most {self.text()} ({self.meaning}; limit {self.name}); found {found}: {remedy}"


# Sizes admit the largest data bench/make_scale_data.py makes (2,000,000 audits: a 285 MB
# practice_standards.csv of 8,000,000 rows) with room to spare; the rest bound the cost of
# a file far beyond what any quarter needs.
CSV_BYTES = Limit("csv_bytes", 512 * MiB, "bytes", "size of a CSV table")
CSV_HEADER_BYTES = Limit(
    "csv_header_bytes", 64 * KiB, "bytes", "length of a CSV file's header line", "read alone, first"
)
PARQUET_BYTES = Limit("parquet_bytes", 512 * MiB, "bytes", "size of a Parquet table")
PARQUET_FOOTER_BYTES = Limit(
    "parquet_footer_bytes", 16 * MiB, "bytes", "size of a Parquet file's metadata", "read before its data"
)
PARQUET_UNCOMPRESSED_BYTES = Limit(
    "parquet_uncompressed_bytes",
    4 * GiB,
    "bytes",
    "a Parquet table's data once decompressed",
    "found from its metadata",
)
TABLE_ROWS = Limit(
    "table_rows",
    25_000_000,
    "rows",
    "rows of one table",
    "a Parquet file's from its metadata; a CSV file's counted by the reader before any copy (its size "
    "bounds them first)",
)
TABLE_COLUMNS = Limit(
    "table_columns",
    256,
    "columns",
    "columns of one table",
    "a CSV header, a Parquet schema, a sheet's last column used",
)
XLSX_BYTES = Limit("xlsx_bytes", 64 * MiB, "bytes", "size of the quarter's XLSX workbook")
XLSX_PARTS = Limit("xlsx_parts", 10_000, "parts", "files inside the XLSX workbook's zip")
XLSX_PART_BYTES = Limit(
    "xlsx_part_bytes",
    256 * MiB,
    "bytes",
    "one part of the XLSX workbook once decompressed",
    "as its zip declares, and Python's zip reader holds it to",
)
XLSX_UNCOMPRESSED_BYTES = Limit(
    "xlsx_uncompressed_bytes", 512 * MiB, "bytes", "the whole XLSX workbook once decompressed"
)
XLSX_RATIO = Limit(
    "xlsx_ratio",
    100,
    "times",
    "how many times a part over 1 MiB may expand when decompressed",
    "a zip bomb expands a thousand times",
)
SHEET_CELLS = Limit(
    "sheet_cells",
    2_000_000,
    "cells",
    "cells in a sheet's used range (last row used × last column used)",
    "found by streaming its XML (a dense range of this size takes about 30 seconds to read); a stray "
    "cell at A1048576 in a sheet of two or more columns is over it, as the sheet's reader would fill "
    "every row of that range",
)
YAML_BYTES = Limit("yaml_bytes", 1 * MiB, "bytes", "size of a YAML file", "quarter.yaml, the framework, a params file")
YAML_DEPTH = Limit("yaml_depth", 32, "levels", "nesting of YAML mappings and lists, aliases expanded")
YAML_NODES = Limit(
    "yaml_nodes",
    100_000,
    "values",
    "values in a YAML file once its aliases are expanded",
    "a few hundred bytes of aliases can stand for billions",
)
COMMENTARY_BYTES = Limit("commentary_bytes", 1 * MiB, "bytes", "size of commentary.md")
MARKDOWN_NESTING = Limit(
    "markdown_nesting", 20, "levels", "nesting of quotes, lists, emphasis, links and HTML tags in commentary.md"
)
POPULATION = Limit("population", 100_000_000, "", "a population in quarter.yaml")

LIMITS: tuple[Limit, ...] = (
    CSV_BYTES,
    CSV_HEADER_BYTES,
    PARQUET_BYTES,
    PARQUET_FOOTER_BYTES,
    PARQUET_UNCOMPRESSED_BYTES,
    TABLE_ROWS,
    TABLE_COLUMNS,
    XLSX_BYTES,
    XLSX_PARTS,
    XLSX_PART_BYTES,
    XLSX_UNCOMPRESSED_BYTES,
    XLSX_RATIO,
    SHEET_CELLS,
    YAML_BYTES,
    YAML_DEPTH,
    YAML_NODES,
    COMMENTARY_BYTES,
    MARKDOWN_NESTING,
    POPULATION,
)

_RATIO_FLOOR = 1 * MiB  # small parts (styles, relationships) may compress far better than data: not judged


def refuse(
    rule: str, file: str, expected: str, row: int | None = None, column: str | None = None, value: str | None = None
) -> NoReturn:
    """Raise a :class:`DataError` with one problem: what every check here ends in."""
    raise DataError([Problem(rule, file, row, column, value, expected)])


def _size(n: int) -> str:
    return Limit("", n, "bytes", "").text()


# -- files -----------------------------------------------------------------------------


def regular_file(path: Path, shown: str, limit: Limit | None, within: Path | None = None) -> Path:
    """The real path of ``path`` once it is known to be safe to open: a regular file
    (not a pipe, device or folder, which could hang or never end), inside ``within``
    once links are resolved, and no larger than ``limit`` (if one is given).

    Raises
    ------
    DataError
        ``missing_file``, ``unsafe_file`` or ``over_limit``, naming ``shown``.
    """
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        if os.path.lexists(path):
            refuse("unsafe_file", shown, "a file; this is a link that leads to nothing: put the file itself here")
        refuse("missing_file", shown, "this file to exist")
    except (OSError, RuntimeError):  # a loop of links
        refuse("unsafe_file", shown, "a file; this is a link that cannot be followed: put the file itself here")
    if within is not None and not real.is_relative_to(Path(within).resolve()):
        refuse(
            "unsafe_file",
            shown,
            "a file inside its folder; this is a link to a file outside the folder: "
            "put a copy of the file in the folder instead",
        )
    info = os.stat(real)
    if not stat.S_ISREG(info.st_mode):
        refuse(
            "unsafe_file",
            shown,
            "a regular file; this is a folder, a pipe (FIFO) or a device, which cannot be read as data",
        )
    if limit is not None and info.st_size > limit.value:
        refuse("over_limit", shown, limit.over(_size(info.st_size), "split it, or save it in a smaller form"))
    return real


def decode_text(raw: bytes, shown: str, what: str = "text") -> str:
    """Text as UTF-8 (a byte-order mark allowed) or, failing that, Windows-1252, as Excel
    on Windows saves it; UTF-16 or UTF-32 and undecodable bytes are refused, saying so.

    Raises
    ------
    DataError
        ``bad_encoding``, naming the line of the first byte that fits neither.
    """
    detected = _utf16_or_32(raw)
    if detected:
        excel = " (in Excel: 'CSV UTF-8')" if what == "CSV" else ""
        refuse(
            "bad_encoding",
            shown,
            f"{what} in UTF-8; this file is saved as {detected} ('Unicode text'): save it again as UTF-8{excel}",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if raw.startswith(codecs.BOM_UTF8):  # says UTF-8, so a byte that is not is damage, not Windows-1252
            line = raw.count(b"\n", 0, exc.start) + 1
            refuse(
                "bad_encoding",
                shown,
                f"{what} in UTF-8, as its byte-order mark says; byte {raw[exc.start]:#04x} "
                f"at line {line} is not: save the file again as UTF-8",
                row=line,
            )
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        refuse(
            "bad_encoding",
            shown,
            f"{what} in UTF-8 or Windows-1252; byte {raw[exc.start]:#04x} at line {line} "
            f"is neither: save the file again as UTF-8",
            row=line,
        )


def _utf16_or_32(head: bytes) -> str | None:
    """The encoding a byte-order mark or the NUL bytes of ASCII text in it show, if UTF-16 or UTF-32."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if head.startswith(bom):
            return name
    if b"\x00" in head[:4096]:  # text never holds NUL; UTF-16 puts one beside every ASCII letter
        return "UTF-16 (or it is not a text file)"
    return None


# -- CSV -------------------------------------------------------------------------------


def csv_header(path: Path, shown: str, required: tuple[str, ...]) -> list[str]:
    """The column names of a CSV file, read from a bounded first block: refused when the
    file is UTF-16, separated by something other than commas, names a column twice
    (after trimming and letter case, as columns are matched) or has too many columns.

    Raises
    ------
    DataError
        ``bad_encoding``, ``wrong_delimiter``, ``duplicate_column`` or ``over_limit``.
    """
    with open(path, "rb") as handle:
        head = handle.read(CSV_HEADER_BYTES.value + 1)
    detected = _utf16_or_32(head)
    if detected:
        decode_text(head, shown, "CSV")  # refuses, saying what was found
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
    if end < 0 and len(head) > CSV_HEADER_BYTES.value:
        refuse(
            "over_limit",
            shown,
            CSV_HEADER_BYTES.over("a longer first line", "the first line must name the columns, separated by commas"),
            row=1,
        )
    line = head if end < 0 else head[: end + 1]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = decode_text(line, shown, "CSV")
    names = next(csv.reader(io.StringIO(text)), [])
    if len(names) > TABLE_COLUMNS.value:
        refuse(
            "over_limit",
            shown,
            TABLE_COLUMNS.over(f"{len(names):,}", "remove the columns the data contract does not ask for"),
            row=1,
        )
    folded = [n.strip().casefold() for n in names]
    if not set(required) & set(folded):
        for delimiter, word in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            split = {n.strip().casefold() for n in text.strip("\r\n").split(delimiter)}
            if len(split & set(required)) >= 2:
                refuse(
                    "wrong_delimiter",
                    shown,
                    f"columns separated by commas; this file separates them with "
                    f"{word}: save it again as 'CSV (comma delimited)'",
                    row=1,
                )
    duplicate_columns(names, shown)
    return names


def odd_quotes(path: Path) -> bool:
    """Whether a file holds an odd number of double quotes: a quoted value left open, which
    Arrow's multithreaded reader may take in silently, losing the rows after it (pandas
    refuses it). Counted by numpy over a memory map, a block at a time: a fraction of
    the time Arrow takes to parse the same bytes. A bare quote inside an unquoted value
    also makes the count odd; pandas reads those as written."""
    import mmap

    import numpy as np

    if os.path.getsize(path) == 0:
        return False
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        data = np.frombuffer(view, dtype=np.uint8)
        count = sum(int(np.count_nonzero(data[i : i + _QUOTE_BLOCK] == 34)) for i in range(0, len(data), _QUOTE_BLOCK))
        del data  # the map cannot close while an array views it
    return count % 2 == 1


_QUOTE_BLOCK = 1 << 24


def duplicate_columns(names: list[Any], shown: str) -> None:
    """Refuse a header naming a column twice: only one could be read, silently.

    Raises
    ------
    DataError
        ``duplicate_column`` for each name given again, with both positions.
    """
    seen: dict[str, int] = {}
    problems = []
    for position, name in enumerate(names, start=1):
        key = "" if name is None else str(name).strip().casefold()
        if not key:
            continue  # a blank header is an unnamed column, reported as extra if it holds anything
        if key in seen:
            problems.append(
                Problem(
                    "duplicate_column",
                    shown,
                    1,
                    str(name).strip(),
                    None,
                    f"each column once; this name is also column {column_letter(seen[key])}, "
                    f"and this is column {column_letter(position)}: rename or remove one",
                )
            )
        else:
            seen[key] = position
    if problems:
        raise DataError(problems)


def column_letter(number: int) -> str:
    """A 1-based column number as a spreadsheet names it: 1 → A, 28 → AB."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- Parquet ---------------------------------------------------------------------------


def parquet_metadata(path: Path, shown: str) -> Any:
    """The Parquet file's metadata, read after its length is checked, and checked itself:
    rows, columns, their types (text, numbers, dates) and the decompressed size.

    Raises
    ------
    DataError
        ``unreadable_file`` or ``over_limit``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if size >= 12:
            handle.seek(size - 8)
            tail = handle.read(8)
        else:
            tail = b""
    if len(tail) < 8 or tail[4:] != b"PAR1":
        refuse("unreadable_file", shown, "a Parquet file; this one is not, or it is cut short: export it again")
    footer = int.from_bytes(tail[:4], "little")
    if footer > PARQUET_FOOTER_BYTES.value:
        refuse("over_limit", shown, PARQUET_FOOTER_BYTES.over(_size(footer), "export the table again"))
    try:
        meta = pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        refuse("unreadable_file", shown, f"a readable Parquet file ({exc}): export it again")
    if meta.num_columns > TABLE_COLUMNS.value:
        refuse("over_limit", shown, TABLE_COLUMNS.over(f"{meta.num_columns:,}", "export only the contract's columns"))
    if meta.num_rows > TABLE_ROWS.value:
        refuse("over_limit", shown, TABLE_ROWS.over(f"{meta.num_rows:,}", "split the quarter's data"))
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > PARQUET_UNCOMPRESSED_BYTES.value:
        refuse("over_limit", shown, PARQUET_UNCOMPRESSED_BYTES.over(_size(unpacked), "split the quarter's data"))
    schema = meta.schema.to_arrow_schema()
    for column in schema:
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if not (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_temporal(kind)
            or pa.types.is_null(kind)
            or pa.types.is_decimal(kind)
        ):
            refuse(
                "unreadable_file",
                shown,
                f"text, numbers or dates in each column; this column holds {kind}: export it as text",
                column=column.name,
            )
    return meta


# -- XLSX ------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_XLSX_PARSED = re.compile(r"(?i).*\.(xml|rels)$")


@dataclass
class SheetScan:
    """What a sheet's XML holds, found by one streaming pass: its used range and the
    cells with a formula but no saved result (``(row, column number)``, first few)."""

    last_row: int = 0
    last_column: int = 0
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)


class _Stop(Exception):
    """Ends a streaming XML pass early."""


# What a damaged zip or XML part raises on the way through zipfile, zlib and expat.
_BROKEN = (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError, RuntimeError, NotImplementedError)


def _check_parts(parts: list[zipfile.ZipInfo], shown: str) -> None:
    """The zip's declared sizes (which Python's zipfile, and so openpyxl, holds every part to)
    within the limits: parts, each part, each part's expansion, and all of them."""
    if len(parts) > XLSX_PARTS.value:
        refuse("over_limit", shown, XLSX_PARTS.over(f"{len(parts):,}", "save the workbook again from Excel"))
    for part in parts:
        if part.file_size > XLSX_PART_BYTES.value:
            refuse(
                "over_limit",
                shown,
                XLSX_PART_BYTES.over(
                    f"{part.filename} of {_size(part.file_size)}", "save the tables as CSV or Parquet instead"
                ),
            )
        if part.file_size > _RATIO_FLOOR and part.file_size > XLSX_RATIO.value * max(part.compress_size, 1):
            refuse(
                "over_limit",
                shown,
                XLSX_RATIO.over(
                    f"{part.filename} expands {part.file_size // max(part.compress_size, 1):,} times",
                    "the workbook looks like a zip bomb or holds a vast empty range: save the tables as CSV",
                ),
            )
    total = sum(part.file_size for part in parts)
    if total > XLSX_UNCOMPRESSED_BYTES.value:
        refuse(
            "over_limit", shown, XLSX_UNCOMPRESSED_BYTES.over(_size(total), "save the tables as CSV or Parquet instead")
        )


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name and the zip part that holds it, from the workbook part and its relations."""
    workbook = _workbook_part(book)
    relations = _relations(
        book, posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
    )
    sheets: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_MAIN} sheet":
            target = relations.get(attrs.get(f"{_OFFICE_RELS} id", ""))
            if target:
                sheets[attrs.get("name", "")] = _part_name(workbook, target)

    _expat(book, workbook, start)
    return sheets


def xlsx_sheets(path: Path, shown: str) -> dict[str, str]:
    """The workbook's sheets by name, each with the zip part that holds it, after checking
    the zip's declared sizes and that no XML part declares a DTD (whose entities could
    expand without end).

    Raises
    ------
    DataError
        ``unreadable_file`` or ``over_limit``, naming the workbook.
    """
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
            _check_parts(parts, shown)
            for part in parts:
                if _XLSX_PARSED.match(part.filename):
                    _no_dtd(book, part.filename, shown)
            return _sheet_parts(book)
    except DataError:
        raise
    except _BROKEN as exc:
        refuse(
            "unreadable_file",
            shown,
            f"a complete XLSX workbook ({exc}); it may be cut short or damaged: save it again from Excel",
        )


_CELL, _ROW, _FORMULA, _VALUE, _INLINE = (f"{_MAIN} {t}" for t in ("c", "row", "f", "v", "is"))


class _SheetScanner:
    """Expat's handlers for one pass over a sheet: the used range, and the formulas with no
    saved result. A cell's state: its row and column, whether it holds a formula, and
    whether a result was saved with it (kept as plain attributes: one call a cell)."""

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}
        self.last_row = self.last_column = self.row = self.column = 0
        self.in_cell = self.formula = self.saved = self.in_value = self.text_cell = False
        self.missing: list[tuple[int, int]] = []
        self.over: Limit | None = None

    def close(self) -> None:
        if self.formula and not self.saved and len(self.missing) < 20:
            self.missing.append((self.row, self.column))
        self.in_cell = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _CELL:
            self.open_cell(attrs)
        elif name == _ROW:
            self.open_row(attrs)
        elif self.in_cell:
            self.inside_cell(name)
        else:
            return
        if self.row > self.last_row or self.column > self.last_column:
            self.grow()

    def open_cell(self, attrs: dict[str, str]) -> None:
        if self.in_cell:
            self.close()
        ref = attrs.get("r")
        if ref:
            letters = ref.rstrip("0123456789")
            number = self.columns.get(letters)
            if number is None:
                if not _CELL_REF.fullmatch(ref):
                    raise ValueError(f"a cell reference {ref[:20]!r} that is not one")
                number = self.columns[letters] = _column_number(letters)
            self.column, self.row = number, int(ref[len(letters) :])
        else:
            self.column, self.row = self.column + 1, max(self.row, 1)
        self.in_cell, self.formula, self.saved, self.text_cell = True, False, False, attrs.get("t") == "str"

    def open_row(self, attrs: dict[str, str]) -> None:
        if self.in_cell:
            self.close()
        number = attrs.get("r", "")
        self.row, self.column = (int(number) if number.isascii() and number.isdigit() else self.row + 1), 0

    def inside_cell(self, name: str) -> None:
        if name == _FORMULA:
            self.formula = True
        elif name == _VALUE:
            self.in_value = True
            # An empty result is saved only in a text cell (a formula giving ""); openpyxl and
            # other writers leave <v></v> empty in a number cell when they never calculated it.
            self.saved = self.saved or self.text_cell
        elif name == _INLINE:
            self.saved = True

    def grow(self) -> None:
        self.last_row, self.last_column = max(self.last_row, self.row), max(self.last_column, self.column)
        if self.last_column > TABLE_COLUMNS.value:
            self.over = TABLE_COLUMNS
        elif self.last_row * max(self.last_column, 1) > SHEET_CELLS.value:
            self.over = SHEET_CELLS
        if self.over:
            raise _Stop

    def end(self, name: str) -> None:
        self.in_value = False

    def text(self, data: str) -> None:
        if self.in_value and not self.saved and data.strip():
            self.saved = True


def scan_sheet(path: Path, part: str, shown: str) -> SheetScan:
    """One streaming pass over a sheet's XML, before openpyxl or pandas reads it: the last
    row and column used (every cell counts, even an empty formatted one, as pandas fills
    the range) and the formulas with no saved result. Stops as soon as the range is over
    :data:`TABLE_COLUMNS` or :data:`SHEET_CELLS`.

    Raises
    ------
    DataError
        ``over_limit`` for a range over a limit, ``unreadable_file`` for broken XML.
    """
    scanner = _SheetScanner()
    try:
        with zipfile.ZipFile(path) as book:
            _expat(book, part, scanner.start, scanner.end, scanner.text)
    except _Stop:
        assert scanner.over is not None
        refuse(
            "over_limit",
            shown,
            scanner.over.over(
                f"a cell used at row {scanner.last_row:,}, column {column_letter(scanner.last_column)}",
                "delete the rows and columns after the data (or clear them and save), or save the table as CSV",
            ),
        )
    except DataError:
        raise
    except _BROKEN as exc:
        refuse(
            "unreadable_file",
            shown,
            f"a complete sheet ({exc}); the workbook may be cut short or damaged: save it again from Excel",
        )
    if scanner.in_cell:
        scanner.close()
    return SheetScan(scanner.last_row, scanner.last_column, scanner.missing)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _expat(book: zipfile.ZipFile, part: str, start: Any, end: Any = None, text: Any = None) -> None:
    """Stream one XML part of the zip through expat (C, no tree kept), calling ``start``
    for each element with namespaced names; a DTD stops it (no entity is ever expanded)."""
    import pyexpat

    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*_: Any) -> None:
        raise ValueError(f"{part} declares a DTD, which a workbook never needs")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
        parser.buffer_text = True
    try:
        with book.open(part) as stream:
            parser.ParseFile(stream)
    except pyexpat.ExpatError as exc:
        raise ValueError(
            f"{part} is not well-formed XML at line {exc.lineno}: {pyexpat.errors.messages[exc.code]}"
        ) from None


def _no_dtd(book: zipfile.ZipFile, part: str, shown: str) -> None:
    """Check an XML part up to its first element: a DTD can only come before it."""

    def first(name: str, attrs: dict[str, str]) -> None:
        raise _Stop

    try:
        _expat(book, part, first)
    except _Stop:
        pass


def _workbook_part(book: zipfile.ZipFile) -> str:
    """The workbook's part, from the package's relationships (``xl/workbook.xml`` as Excel writes it)."""
    for target in _relations(book, "_rels/.rels", "officeDocument").values():
        return target.lstrip("/")
    return "xl/workbook.xml"


def _relations(book: zipfile.ZipFile, part: str, kind: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if part not in book.namelist():
        return found

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_RELS} Relationship" and attrs.get("Type", "").endswith(kind):
            found[attrs.get("Id", "")] = attrs.get("Target", "")

    _expat(book, part, start)
    return found


def _part_name(workbook: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(workbook), target))


# -- YAML ------------------------------------------------------------------------------

_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


class _YamlChecker:
    """One pass over YAML's parse events: expanded size and depth, repeated keys, whole
    numbers YAML 1.1 would misread, aliases inside the value they name."""

    def __init__(self, shown: str) -> None:
        import yaml

        self.shown = shown
        self.resolver = yaml.resolver.Resolver()
        self.anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, depth) it expands to
        self.stack: list[dict[str, Any]] = []
        self.expanded = 0

    def refuse(self, rule: str, event: Any, expected: str) -> NoReturn:
        refuse(rule, self.shown, expected, row=event.start_mark.line + 1)

    def add(self, count: int, depth: int, event: Any) -> None:
        self.expanded += count
        if self.expanded > YAML_NODES.value:
            self.refuse("over_limit", event, YAML_NODES.over("more", "write the values out, without so many aliases"))
        if depth > YAML_DEPTH.value:
            self.refuse("over_limit", event, YAML_DEPTH.over("deeper nesting", "nest mappings and lists less deeply"))
        if self.stack:
            self.stack[-1]["deepest"] = max(self.stack[-1]["deepest"], depth)

    def key(self, event: Any, text: str | None) -> None:
        """In a mapping, every other node is a key: refuse a key seen before in it."""
        if not self.stack or self.stack[-1]["keys"] is None:
            return
        top = self.stack[-1]
        top["is_key"] = not top["is_key"]
        if top["is_key"] and text is not None and text != "<<":
            if text in top["keys"]:
                self.refuse(
                    "malformed_yaml",
                    event,
                    f"each key once in a mapping; {text!r} is given again on line "
                    f"{event.start_mark.line + 1} (YAML would keep only the last)",
                )
            top["keys"].add(text)

    def scalar(self, event: Any) -> None:
        import yaml

        self.key(event, event.value)
        if event.implicit[0] and not event.style:  # plain: None from PyYAML, "" from libyaml
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, (True, False))
            if tag == "tag:yaml.org,2002:int" and not _DECIMAL.fullmatch(event.value):
                self.refuse(
                    "malformed_yaml",
                    event,
                    f"a whole number in decimal digits; YAML reads {event.value!r} "
                    f"on line {event.start_mark.line + 1} as another number: write "
                    f"it without leading zeros, or quote it as text",
                )
        self.add(1, len(self.stack), event)
        if event.anchor:
            self.anchors[event.anchor] = (1, 0)

    def alias(self, event: Any) -> None:
        self.key(event, None)
        if any(open_["anchor"] == event.anchor for open_ in self.stack):
            self.refuse(
                "malformed_yaml",
                event,
                f"no alias inside the value it names; *{event.anchor} on line "
                f"{event.start_mark.line + 1} would make a value that contains "
                f"itself",
            )
        count, depth = self.anchors.get(event.anchor, (1, 0))
        self.add(count, len(self.stack) + depth, event)

    def open(self, event: Any) -> None:
        from yaml import events

        self.key(event, None)
        self.add(1, len(self.stack) + 1, event)
        self.stack.append(
            {
                "anchor": event.anchor,
                "start": self.expanded,
                "level": len(self.stack) + 1,
                "deepest": len(self.stack) + 1,
                "is_key": False,
                "keys": set() if isinstance(event, events.MappingStartEvent) else None,
            }
        )

    def close(self, event: Any) -> None:
        done = self.stack.pop()
        if done["anchor"]:
            self.anchors[done["anchor"]] = (self.expanded - done["start"] + 1, done["deepest"] - done["level"] + 1)
        if self.stack:
            self.stack[-1]["deepest"] = max(self.stack[-1]["deepest"], done["deepest"])


# libyaml's parser and loader when PyYAML was built with it (its wheels are): the same events
# and values as the pure-Python ones, several times faster on the framework.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml(text: str, shown: str) -> None:
    """One streaming pass over YAML's parse events (no tree built, no recursion) before
    it is loaded: nesting within :data:`YAML_DEPTH` and values within :data:`YAML_NODES`,
    both with aliases expanded as a reader of the data would see them; no key given twice
    in one mapping (YAML keeps the last silently); whole numbers only in decimal digits
    (YAML 1.1 reads ``010`` as 8, ``1:30`` as 90 and ``0x1F`` as 31).

    Raises
    ------
    DataError
        ``over_limit`` or ``malformed_yaml``, naming the line.
    """
    try:
        _check_events(text, shown, SAFE_LOADER)
    except yaml.YAMLError:
        # libyaml stops at its own nesting limit, and words its errors its own way: the
        # pure-Python parser finds the problem as the limits and their messages state it.
        try:
            _check_events(text, shown, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            refuse("malformed_yaml", shown, f"valid YAML ({exc})")


def _check_events(text: str, shown: str, loader: Any) -> None:
    from yaml import events

    checker = _YamlChecker(shown)
    handlers = (
        (events.ScalarEvent, checker.scalar),
        (events.AliasEvent, checker.alias),
        (events.CollectionStartEvent, checker.open),
        (events.CollectionEndEvent, checker.close),
    )
    for event in yaml.parse(text, Loader=loader):
        for kind, handle in handlers:
            if isinstance(event, kind):
                handle(event)
                break


# -- Markdown --------------------------------------------------------------------------

_CONTAINERS = re.compile(r"[ \t]*(?:>|(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t]|$))")


def check_markdown(text: str, shown: str) -> None:
    """Bound the nesting of commentary Markdown, which the report's HTML, PDF and Word
    renderers follow by recursion. First each line's opening (quote and list markers,
    indentation) before any parser: an upper bound on how deep it can nest blocks; then
    markdown-it's tokens (it builds them without recursion, and stops nesting blocks at
    its own limit), for emphasis and links inside a paragraph and for raw HTML tags,
    whose allowed ones (quotes, lists, emphasis) the sanitiser keeps.

    Raises
    ------
    DataError
        ``over_limit`` naming the line.
    """
    limit = MARKDOWN_NESTING.value
    for number, line in enumerate(text.splitlines(), start=1):
        markers = 0
        position = 0
        while markers <= limit and (match := _CONTAINERS.match(line, position)) and match.end() > position:
            markers += 1
            position = match.end()
        indent = len(line) - len(line.lstrip(" \t"))
        if markers + line[:indent].expandtabs(4).count(" ") // 2 > limit:
            refuse(
                "over_limit",
                shown,
                MARKDOWN_NESTING.over("a line nested or indented deeper", "nest quotes and lists less deeply"),
                row=number,
            )
    from markdown_it import MarkdownIt

    html = _TagDepth()  # raw HTML the commentary holds nests too, and its allowed tags are kept
    for token in MarkdownIt("commonmark").parse(text):
        row = token.map[0] + 1 if token.map else None
        for part, depth in [(token, token.level), *((c, token.level + c.level + 1) for c in token.children or ())]:
            if part.type in ("html_block", "html_inline"):
                html.deepest = html.depth
                html.feed(part.content)
                depth += html.deepest
            else:
                depth += html.depth
            if depth > limit:
                refuse(
                    "over_limit",
                    shown,
                    MARKDOWN_NESTING.over(
                        "deeper nesting (of quotes, lists, emphasis, links or HTML tags)", "nest them less deeply"
                    ),
                    row=row,
                )


class _TagDepth(HTMLParser):
    """How deep the HTML tags fed to it open, void elements aside (a tag never closed counts)."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)


def read_bounded(path: Path, shown: str, limit: Limit, within: Path | None = None) -> bytes:
    """The bytes of a file checked by :func:`regular_file`, read no further than ``limit``
    (it may have grown since the check).

    Raises
    ------
    DataError
        As :func:`regular_file` does.
    """
    real = regular_file(path, shown, limit, within)
    with open(real, "rb") as handle:
        raw = handle.read(limit.value + 1)
    if len(raw) > limit.value:
        refuse("over_limit", shown, limit.over("more", "split it, or save it in a smaller form"))
    return raw


__all__ = [
    "LIMITS",
    "Limit",
    "SheetScan",
    "check_markdown",
    "check_yaml",
    "csv_header",
    "decode_text",
    "duplicate_columns",
    "parquet_metadata",
    "read_bounded",
    "refuse",
    "regular_file",
    "scan_sheet",
    "xlsx_sheets",
    "column_letter",
]
