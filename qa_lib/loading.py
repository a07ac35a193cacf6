"""Read one quarter's files: the only module that reads data from disk.

Each table is ``<table>.csv`` in the quarter folder or a sheet of that name in
``<quarter>.xlsx``. Every value is read as text, so nothing is guessed; the
spreadsheet row number of each record is kept (header = row 1) so that an error
can point a person at the exact row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)

from qa_lib import contract, limits
from qa_lib.errors import DataError, ParameterError, Problem
from qa_lib.limits import refuse
from qa_lib.paths import display
from qa_lib.quarter import Quarter
from qa_lib.yamlfiles import read_yaml

if TYPE_CHECKING:  # pandas is imported where tables are read: reading YAML alone needs none
    import pandas as pd

log = logging.getLogger(__name__)

ROW = "_row"  # spreadsheet row number kept beside each record


@dataclass(frozen=True)
class TableSpec:
    """What the readers need to know of a table: its columns, and how each is read and tidied."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()  # ids or labels, as typed (validation matches them)
    yes_no: tuple[str, ...] = ()
    required_table: bool = False
    few_values: tuple[str, ...] = ()  # dates, ages, team names: few distinct values, kept as categories
    identifiers: tuple[str, ...] = ()  # never shown in a report: every run's outputs are scanned for them

    @property
    def coded(self) -> tuple[str, ...]:
        """Columns held as categoricals: read as codes, tidied and checked per distinct value."""
        return self.categorical + self.yes_no + self.few_values

    @classmethod
    def of(cls, table: contract.Table) -> TableSpec:
        """The readers' view of a table of the data contract."""

        def kinds(*kinds: contract.Kind) -> tuple[str, ...]:
            return tuple(c.name for c in table.columns if c.kind in kinds)

        return cls(
            required=table.required_columns,
            optional=table.optional_columns,
            categorical=kinds(contract.Kind.CATEGORY),
            yes_no=kinds(contract.Kind.YES_NO),
            required_table=table.required,
            identifiers=table.identifiers,
            few_values=tuple(
                c.name
                for c in table.columns
                if c.coded and c.kind not in (contract.Kind.CATEGORY, contract.Kind.YES_NO)
            ),
        )


TABLES: dict[str, TableSpec] = {name: TableSpec.of(table) for name, table in contract.TABLES.items()}

_YES = set(contract.YES)
_NO = set(contract.NO)


@dataclass
class QuarterData:
    """Everything read for one quarter, as text, before validation."""

    quarter: Quarter
    folder: str
    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]
    meeting: dict[str, Any] = field(default_factory=dict)
    populations: dict[str, dict[str, int]] = field(default_factory=dict)
    next_update: str | None = None  # ISO date of the next publication, from quarter.yaml
    commentary: str | None = None
    commentary_source: str | None = None
    warnings: list[Problem] = field(default_factory=list)


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, for the manifest and for verify."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quarter_files(data_root: Path, quarter: Quarter) -> list[Path]:
    """Every file of a quarter's folder (what a run may read), in a stable order.

    Links are not followed out of the folder: a file that is a link leading outside it,
    or that is not a regular file (a pipe or device could never be read to its end), is
    refused.

    Raises
    ------
    DataError
        ``unsafe_file``, naming the file.
    """
    folder = quarter_folder(data_root, quarter)
    if not folder.is_dir():
        return []
    real_folder = folder.resolve()
    shown_folder = f"{quarter}"
    found = []
    problems = []
    for parent, _, names in os.walk(folder):  # does not descend into linked folders
        for name in names:
            path = Path(parent) / name
            shown = f"{shown_folder}/{path.relative_to(folder).as_posix()}"
            try:
                # Only hashed, in blocks: any size will do.
                limits.regular_file(path, shown, None, within=real_folder)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            found.append(path)
    if problems:
        raise DataError(problems)
    return sorted(found)


DATA_SET_FILE = "data_set.yaml"


class DataSetFile(BaseModel):
    """``<data root>/data_set.yaml``: the name of the data set the root holds."""

    model_config = ConfigDict(extra="forbid")

    data_set: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[\w][\w .-]*$")
    ]


def data_set_name(data_root: Path) -> str | None:
    """The data set a data root holds, from its ``data_set.yaml``; ``None`` for a root without one.

    Raises
    ------
    DataError
        For a data_set.yaml that is unsafe, malformed or leads outside the data root.
    """
    path = Path(data_root) / DATA_SET_FILE
    if not path.exists() and not path.is_symlink():
        return None
    shown = display(path)
    raw = read_yaml(path, shown, within=Path(data_root))
    try:
        return DataSetFile.model_validate(raw).data_set
    except ValidationError as exc:
        raise DataError(
            [
                Problem(
                    "bad_value",
                    shown,
                    None,
                    "data_set",
                    None,
                    f"data_set: a name of letters, digits, spaces, '.', '_' or '-' ({exc.errors()[0]['msg']})",
                )
            ]
        ) from None


def published_figures(
    output_dir: Path, quarter: Quarter, data_set: str | None
) -> tuple[dict[str, Any], Path] | str | None:
    """A quarter's figures as last reported (``<output dir>/<quarter>/figures.json``), if any, and
    only when the manifest beside them names the same data set: otherwise why not, in words.

    A run of one data set (a council's real data) must never take another's (the synthetic
    sample's) published figures as its history.

    Raises
    ------
    DataError
        When the file exists, belongs to this data set, but is not a figures document.
    """
    path = Path(output_dir) / str(quarter) / "figures.json"
    if not path.is_file():
        return None
    try:
        recorded = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8")).get("data_set")
    except (OSError, ValueError, AttributeError):
        return "it has no readable manifest.json naming its data set"
    if data_set is None:
        return "this data root names no data set (add data_set.yaml to use published history)"
    if recorded != data_set:
        return f"it is from data set {recorded!r}, not {data_set!r}" if recorded else "its manifest names no data set"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        figures = document["figures"]
        if document.get("quarter") != str(quarter) or not isinstance(figures, dict):
            raise ValueError("not the figures of this quarter")
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(
            [Problem("unreadable_file", display(path), None, None, None, f"the figures.json a run writes ({exc})")]
        ) from None
    return figures, path


def normalise_id(value: str) -> str:
    """Trim, case-fold and turn runs of spaces into ``_``, as ids are matched."""
    return re.sub(r"\s+", "_", value.strip().casefold())


def normalise_yes_no(value: str) -> str:
    folded = value.strip().casefold()
    if folded in _YES:
        return "yes"
    if folded in _NO:
        return "no"
    return value if folded else ""  # as typed, for the problem to quote


def quarter_folder(data_root: Path, quarter: Quarter) -> Path:
    """``<data root>/<quarter>``, refused if it resolves outside the data root (a link elsewhere).

    Raises
    ------
    ParameterError
        When the folder leaves the data root the analyst named.
    """
    folder = Path(data_root) / str(quarter)
    if folder.exists() and not folder.resolve().is_relative_to(Path(data_root).resolve()):
        raise ParameterError(f"{display(folder)} leads outside the data root; a quarter's folder must lie within it")
    return folder


def available_quarters(data_root: Path) -> list[Quarter]:
    """Quarters that have a folder under the data root, oldest first."""
    found = []
    for child in Path(data_root).iterdir() if Path(data_root).is_dir() else []:
        if child.is_dir():
            try:
                found.append(Quarter.parse(child.name))
            except Exception:  # other folders are not quarters
                continue
    return sorted(found)


def _read_csv(path: Path, spec: TableSpec, shown: str | None = None) -> pd.DataFrame:
    """A CSV table, every column as text: by pyarrow's multithreaded reader, or where it
    refuses the file (not UTF-8, a short row, a blank column name twice) or may misread it
    (an odd number of quotes) by pandas, which reads those as a spreadsheet user would
    expect. The header is checked first (:func:`~qa_lib.limits.csv_header`); a row with
    more fields than the header is refused.

    Raises
    ------
    DataError
        For a header, encoding, row or size the data contract does not allow.
    """
    import pandas as pd
    import pyarrow as pa

    shown = shown or path.name
    names = limits.csv_header(path, shown, spec.required)
    if not names:
        raise pd.errors.EmptyDataError(shown)
    long_rows: list[tuple[int | None, int, int]] = []
    # The quotes are counted beside Arrow's read (numpy leaves the GIL), not before it.
    with ThreadPoolExecutor(1) as pool:
        odd = pool.submit(limits.odd_quotes, path)
        try:
            frame = _read_csv_arrow(path, spec, names, long_rows, shown)
        except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
            frame = None
        if odd.result():  # a quote left open: pandas refuses it, where Arrow may lose rows silently
            frame = None
            long_rows.clear()
    if long_rows:
        _refuse_long_rows(path, shown, long_rows)
    if frame is None:
        frame = _read_csv_pandas(path, shown)
    if len(frame) > limits.TABLE_ROWS.value:
        refuse("over_limit", shown, limits.TABLE_ROWS.over(f"{len(frame):,}", "split the quarter's data"))
    return frame


def _read_csv_arrow(
    path: Path,
    spec: TableSpec,
    names: list[str] | None = None,
    long_rows: list[tuple[int | None, int, int]] | None = None,
    shown: str | None = None,
) -> pd.DataFrame:
    """Read by Arrow; rows with more fields than the header are noted in ``long_rows``
    (row number where Arrow knows it, fields, fields expected) and skipped, any other
    malformed row stops it (``ArrowInvalid``)."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    if names is None:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle), None)
    if not names or len(set(names)) != len(names):
        raise ValueError("no header, or a column named twice")
    noted = long_rows if long_rows is not None else []

    def invalid(row: Any) -> str:
        if row.actual_columns > row.expected_columns and len(noted) < _LONG_ROWS_SHOWN:
            noted.append((row.number, row.actual_columns, row.expected_columns))
            return "skip"
        return "error"

    table = pacsv.read_csv(
        path,
        # Blank rows keep row numbers right.
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=invalid),
        # Columns of few values arrive as categoricals (codes, not a string per row); the rest
        # as large_string, which pandas keeps text in, so that nothing is converted twice.
        convert_options=pacsv.ConvertOptions(
            column_types={
                n: pa.dictionary(pa.int32(), pa.string()) if n.strip().casefold() in spec.coded else pa.large_string()
                for n in names
            },
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if noted:
        raise ValueError("rows with more fields than the header")
    if table.num_rows > limits.TABLE_ROWS.value:  # before pandas makes a copy of them
        refuse(
            "over_limit", shown or path.name, limits.TABLE_ROWS.over(f"{table.num_rows:,}", "split the quarter's data")
        )
    return table.to_pandas()


_LONG_ROWS_SHOWN = 20  # rows with too many fields reported, at most: the first show the fault


def _refuse_long_rows(path: Path, shown: str, noted: list[tuple[int | None, int, int]]) -> None:
    """Refuse rows with more fields than the header, each by its row number (found by a
    second, single-threaded pass of Arrow where the first did not know it).

    Raises
    ------
    DataError
        ``too_many_fields`` for each such row.
    """
    if any(number is None for number, _, _ in noted):
        noted = _long_rows(path)
    problems = [
        Problem(
            "too_many_fields",
            shown,
            number,
            None,
            None,
            f"{expected} fields, as the header names; this row has {actual}: a value holding a comma "
            f"must be in double quotes (Excel adds them when it saves CSV)",
        )
        for number, actual, expected in noted
    ]
    raise DataError(problems)


def _long_rows(path: Path) -> list[tuple[int | None, int, int]]:
    """Rows with more fields than the header, numbered as a spreadsheet numbers them, by
    Arrow in one thread (which numbers rows); values are read as bytes, so any encoding does."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    found: list[tuple[int | None, int, int]] = []

    def invalid(row: Any) -> str:
        if row.actual_columns > row.expected_columns:
            found.append((row.number, row.actual_columns, row.expected_columns))
        return "skip" if len(found) < _LONG_ROWS_SHOWN else "error"

    try:
        pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(include_columns=["f0"], column_types={"f0": pa.binary()}),
        )
    except pa.ArrowInvalid:
        pass  # stopped after the rows shown, or at a fault the rows found already explain
    return found


def _read_csv_pandas(path: Path, shown: str | None = None) -> pd.DataFrame:
    import pandas as pd

    shown = shown or path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" on Windows writes the ANSI code page.
        text = limits.decode_text(raw, shown, "CSV")
        log.info("%s is not UTF-8; read as Windows-1252", path.name)
    from io import StringIO

    try:
        return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        noted = _long_rows(path)
        if noted:
            _refuse_long_rows(path, shown, noted)
        refuse("unreadable_file", shown, f"a well-formed CSV file ({exc}): check the quotes around values")


def _read_parquet(path: Path, spec: TableSpec, shown: str | None = None) -> pd.DataFrame:
    """A Parquet table, every column as text as from a CSV (dates as ISO, whole numbers
    without ``.0``); columns of few values as categoricals, converted per distinct value."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qa_lib.frames import coded

    shown = shown or path.name
    meta = limits.parquet_metadata(path, shown)
    limits.duplicate_columns(meta.schema.names, shown)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:  # pages damaged behind a sound footer
        refuse("unreadable_file", shown, f"a readable Parquet file ({exc}): export it again")
    for i, name in enumerate(table.column_names):
        if name.strip().casefold() in spec.coded and not pa.types.is_dictionary(table.schema.field(i).type):
            table = table.set_column(i, table.schema.field(i).name, table.column(i).dictionary_encode())
    frame = table.to_pandas()
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            frame[column] = coded(series, _cell_text)
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(series) and (series.dropna() % 1 == 0).all():
            series = series.astype("Int64")  # ages read back as 12, not 12.0
        frame[column] = series.astype(str).where(series.notna(), "")
    return frame


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_sheet(book: Path, sheet: str, part: str, shown: str) -> pd.DataFrame:
    """A sheet of the workbook, every cell as text, once its XML has been scanned
    (:func:`~qa_lib.limits.scan_sheet`): refused when its range is too large, a column is
    named twice, or a formula has no saved result (openpyxl would read it as blank).

    Raises
    ------
    DataError
        ``over_limit``, ``unreadable_file``, ``duplicate_column`` or ``formula_without_value``.
    """
    import pandas as pd

    scan = limits.scan_sheet(book, part, shown)
    try:
        # header=None: the names as written (pandas would rename a repeated one to "grade.1").
        raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds on a damaged part; each is this file's fault
        refuse(
            "unreadable_file",
            shown,
            f"a readable sheet ({type(exc).__name__}: {exc}): save the workbook again from Excel",
        )
    if raw.empty:
        return pd.DataFrame()
    header = list(raw.iloc[0])
    limits.duplicate_columns(header, shown)
    names = [_cell_text(v) if _cell_text(v) != "" else f"Unnamed: {i}" for i, v in enumerate(header)]
    if scan.formulas_without_value:
        raise DataError(
            [
                Problem(
                    "formula_without_value",
                    shown,
                    row,
                    names[column - 1] if column <= len(names) else limits.column_letter(column),
                    None,
                    f"a value; cell {limits.column_letter(column)}{row} holds a formula whose result "
                    f"was never saved (it would read as blank): open the workbook in Excel or "
                    f"LibreOffice and save it, or type the value",
                )
                for row, column in scan.formulas_without_value
            ]
        )
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame.map(_cell_text).astype(str) if len(frame) else frame.astype(str)


def _tidy(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    import pandas as pd

    from qa_lib.frames import coded

    # Each column once (a copy per column, not per step): ids normalised, yes/no read,
    # the rest trimmed; columns of few values as categoricals, tidied per category. Rows
    # left wholly blank then go, each row keeping its spreadsheet number.
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = str(name).strip().casefold()
        values = frame[name]
        if column in spec.categorical:
            # Kept as typed: validation maps ids and labels, and quotes a value matching neither as it was.
            columns[column] = coded(values, _as_typed)
        elif column in spec.yes_no:
            columns[column] = coded(values, normalise_yes_no)
        elif column in spec.few_values:
            columns[column] = coded(values, _strip)
        else:
            columns[column] = values.fillna("").astype(str).str.strip()
    tidy = pd.DataFrame({ROW: range(2, len(frame) + 2), **columns}, index=frame.index, copy=False)
    if columns:
        blank = (tidy[list(columns)] == "").all(axis=1)
        if blank.any():
            tidy = tidy[~blank]
    return tidy.reset_index(drop=True)


def _strip(value: Any) -> str:
    return str(value).strip()


def _as_typed(value: Any) -> str:
    """A value as typed; one of white space only is blank."""
    text = str(value)
    return text if text.strip() else ""


def load_quarter(data_root: Path, quarter: Quarter, root: Path | None = None) -> QuarterData:
    """Read a quarter folder.

    Every file is checked before it is parsed (:mod:`qa_lib.limits`): a regular file inside
    the quarter's folder once links are resolved, within its limits. A table that cannot be
    read is reported once, and nothing is checked against it.

    Raises
    ------
    DataError
        When the folder, a required table or a readable file is missing, unsafe, over a
        limit or unreadable, or quarter.yaml or commentary.md breaks the contract. Content
        problems of the tables are left to :mod:`qa_lib.validation`.
    """
    import pandas as pd

    folder = quarter_folder(data_root, quarter)
    shown = display(folder, root)
    if not folder.is_dir():
        raise DataError(
            [Problem("missing_quarter", shown, None, None, None, f"a folder for quarter {quarter} under the data root")]
        )
    real_folder = folder.resolve()
    problems: list[Problem] = []
    warnings: list[Problem] = []
    book, sheets, book_shown, book_failed = _open_book(folder, shown, quarter, real_folder, problems)
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name, spec in TABLES.items():
        found = _find_table(folder, shown, real_folder, name, spec, book, sheets, book_shown)
        if found is None:
            if spec.required_table and not book_failed:  # an unreadable workbook is reported once
                problems.append(_missing_table(folder, shown, name, quarter, book is not None))
            continue
        sources[name], read = found
        try:
            raw = read()
        except pd.errors.EmptyDataError:
            problems.append(Problem("empty_file", sources[name], None, None, None, "a header row naming the columns"))
            continue
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        frame = _tidy(raw, spec)
        if frame.empty:
            # A header with no rows: the usual state of an untouched template sheet.
            if spec.required_table:
                problems.append(Problem("no_rows", sources[name], None, None, None, "at least one audit"))
            else:
                warnings.append(
                    Problem(
                        "no_rows",
                        sources[name],
                        None,
                        None,
                        None,
                        "rows, or no table at all; treated as not supplied",
                        "warning",
                    )
                )
                del sources[name]
            continue
        tables[name] = frame
    meeting, populations, next_update = _read_quarter_yaml(folder, shown, problems, quarter)
    commentary, commentary_source = _read_commentary(folder, shown, problems)
    if problems:
        raise DataError(problems)
    return QuarterData(
        quarter=quarter,
        folder=shown,
        tables=tables,
        sources=sources,
        meeting=meeting,
        populations=populations,
        next_update=next_update,
        commentary=commentary,
        commentary_source=commentary_source,
        warnings=warnings,
    )


def _open_book(
    folder: Path, shown: str, quarter: Quarter, real_folder: Path, problems: list[Problem]
) -> tuple[Path | None, dict[str, str], str, bool]:
    """The quarter's workbook, if it has one: its path, its sheets, how it is named in
    messages, and whether it could not be read (its problems go to ``problems``)."""
    book_name = f"{quarter}.xlsx"
    book_shown = f"{shown}/{book_name}"
    if not os.path.lexists(folder / book_name):
        return None, {}, book_shown, False
    try:
        book = limits.regular_file(folder / book_name, book_shown, limits.XLSX_BYTES, real_folder)
        return book, limits.xlsx_sheets(book, book_shown), book_shown, False
    except DataError as exc:
        problems.extend(exc.problems)
        return None, {}, book_shown, True


def _find_table(
    folder: Path,
    shown: str,
    real_folder: Path,
    name: str,
    spec: Any,
    book: Path | None,
    sheets: dict[str, str],
    book_shown: str,
) -> tuple[str, Any] | None:
    """Where a table is (its CSV, its Parquet file or its sheet of the workbook, in that
    order): how messages name it and a reader that checks and reads it; ``None`` if nowhere."""
    csv = folder / f"{name}.csv"
    parquet = folder / f"{name}.parquet"
    if os.path.lexists(csv):
        source = f"{shown}/{csv.name}"
        return source, lambda: _read_csv(limits.regular_file(csv, source, limits.CSV_BYTES, real_folder), spec, source)
    if os.path.lexists(parquet):
        source = f"{shown}/{parquet.name}"
        return source, lambda: _read_parquet(
            limits.regular_file(parquet, source, limits.PARQUET_BYTES, real_folder), spec, source
        )
    if name in sheets and book is not None:
        source = f"{book_shown} [sheet {name}]"
        return source, lambda: _read_sheet(book, name, sheets[name], source)
    return None


TEMPLATE_NAME = "template.xlsx"  # the data-entry workbook new-quarter and template write


def _missing_table(folder: Path, shown: str, name: str, quarter: Quarter, has_book: bool) -> Problem:
    """A required table found nowhere; where only the data-entry workbook lies there, the
    problem says to fill it in and save it under the quarter's name (it is never read as is:
    an untouched template is not a quarter's data)."""
    if not has_book and os.path.lexists(folder / TEMPLATE_NAME):
        return Problem(
            "unsaved_template",
            f"{shown}/{TEMPLATE_NAME}",
            None,
            None,
            None,
            f"the data-entry workbook filled in and saved as {quarter}.xlsx in {shown} "
            f"(or the quarter's CSV files there)",
        )
    return Problem("missing_table", shown, None, None, None, f"{name}.csv or a sheet {name!r} in {quarter}.xlsx")


def _read_commentary(folder: Path, shown: str, problems: list[Problem]) -> tuple[str | None, str | None]:
    """commentary.md as text, within its size and nesting limits, or ``(None, None)``."""
    path = folder / "commentary.md"
    if not os.path.lexists(path):
        return None, None
    source = f"{shown}/{path.name}"
    try:
        text = limits.decode_text(
            limits.read_bounded(path, source, limits.COMMENTARY_BYTES, folder.resolve()), source, "Markdown"
        )
        limits.check_markdown(text, source)
    except DataError as exc:
        problems.extend(exc.problems)
        return None, None
    return text, source


# -- quarter.yaml ----------------------------------------------------------------------


def _meeting_date(value: Any) -> Any:
    """A YAML date, or text written exactly ``YYYY-MM-DD``: either is the same date."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime):
        raise ValueError("a date without a time")
    return value


def _agenda_item(value: Any) -> Any:
    """An agenda item may be a number (``5``) or text (``5a``): kept as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# Named here: a field called ``date`` would hide the type inside the class.
_MeetingDate = Annotated[date, BeforeValidator(_meeting_date)]
_AgendaItem = Annotated[StrictStr, BeforeValidator(_agenda_item)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Person(_Strict):
    name: StrictStr | None = None
    role: StrictStr | None = None


class _Contact(_Person):
    telephone: StrictStr | None = None
    email: StrictStr | None = None


class _Meeting(_Strict):
    council: StrictStr | None = None
    committee: StrictStr | None = None
    date: _MeetingDate | None = None
    agenda_item: _AgendaItem | None = None
    title: StrictStr | None = None
    report_of: StrictStr | None = None
    author: _Person | None = None
    contact: _Contact | None = None


Population = Annotated[StrictInt, Field(ge=0, le=limits.POPULATION.value)]


class _Populations(_Strict):
    audits: dict[StrictStr, Population] | None = None
    feedback: dict[StrictStr, Population] | None = None


class QuarterFile(_Strict):
    """``quarter.yaml``: the meeting's details (text, a date, an agenda item) and the
    populations audits and surveys were sampled from. Any other key is refused."""

    meeting: _Meeting | None = None
    populations: _Populations | None = None
    next_update: _MeetingDate | None = None


def _read_quarter_yaml(
    folder: Path, shown_folder: str, problems: list[Problem], quarter: Quarter | None = None
) -> tuple[dict, dict, str | None]:
    """The meeting, the populations and the date of the next update (ISO), as given; a next
    update on or before the quarter's end is refused."""
    empty: tuple[dict, dict, str | None] = ({}, {"audits": {}, "feedback": {}}, None)
    path = folder / "quarter.yaml"
    if not os.path.lexists(path):
        return empty
    shown = f"{shown_folder}/{path.name}"
    try:
        raw = read_yaml(path, shown, folder.resolve())
    except DataError as exc:
        problems.extend(exc.problems)
        return empty
    if raw is None:
        return empty
    if not isinstance(raw, dict):
        problems.append(Problem("malformed_yaml", shown, None, None, None, "a mapping at the top level"))
        return empty
    try:
        parsed = QuarterFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_quarter_yaml_problem(shown, err) for err in exc.errors())
        return empty
    meeting = parsed.meeting.model_dump(mode="json", exclude_none=True) if parsed.meeting else {}
    populations: dict[str, dict[str, int]] = {"audits": {}, "feedback": {}}
    for kind in populations:
        for key, value in (getattr(parsed.populations, kind, None) or {}).items():
            populations[kind][normalise_id(key)] = value
    next_update = parsed.next_update
    if next_update is not None and quarter is not None and next_update <= quarter.end_date:
        problems.append(
            Problem(
                "bad_value",
                shown,
                None,
                "next_update",
                next_update.isoformat(),
                f"a date after the quarter's end ({quarter.end_date.isoformat()}): the date the "
                f"next figures are published",
            )
        )
        return empty
    return meeting, populations, next_update.isoformat() if next_update else None


def _quarter_yaml_problem(shown: str, err: Any) -> Problem:
    """A pydantic error as a problem naming the dotted key path."""
    path = ".".join(str(p) for p in err["loc"])
    value = err.get("input")
    value_text = None if isinstance(value, dict) else str(value)[:80]
    if err["type"] == "extra_forbidden":
        return Problem(
            "unknown_key",
            shown,
            None,
            path,
            None,
            "only the keys of the data contract (docs/data-contract.md, quarter.yaml); check its spelling",
        )
    if err["loc"][0] == "populations" and len(err["loc"]) == 3:
        return Problem(
            "bad_population",
            shown,
            None,
            path,
            value_text,
            f"a whole number from 0 to {limits.POPULATION.value:,}, written in digits",
        )
    if err["loc"][-1] in ("date", "next_update"):
        expected = "a date written YYYY-MM-DD"
    elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
        expected = "a mapping of names to values"
    elif err["type"] == "string_type":
        expected = "text (put it in quotes if YAML reads it as something else)"
    else:
        expected = err["msg"]
    return Problem("bad_value", shown, None, path, value_text, expected)
