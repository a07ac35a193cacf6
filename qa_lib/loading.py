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
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from qa_lib.errors import DataError, InputError, ParameterError, Problem
from qa_lib.paths import display
from qa_lib.quarter import Quarter

if TYPE_CHECKING:  # pandas is imported where tables are read: reading YAML alone needs none
    import pandas as pd

log = logging.getLogger(__name__)

ROW = "_row"  # spreadsheet row number kept beside each record


@dataclass(frozen=True)
class TableSpec:
    """The columns of a table in the data contract."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    yes_no: tuple[str, ...] = ()
    required_table: bool = False
    few_values: tuple[str, ...] = ()  # dates, ages, team names: few distinct values, kept as categories

    @property
    def coded(self) -> tuple[str, ...]:
        """Columns held as categoricals: read as codes, tidied and checked per distinct value."""
        return self.categorical + self.yes_no + self.few_values


TABLES: dict[str, TableSpec] = {
    "case_audits": TableSpec(
        required=("audit_id", "service", "case_ref", "case_type", "team", "team_type",
                  "audit_date", "auditor_role", "grade"),
        optional=("moderated_grade", "risk_of_harm", "agency"),
        categorical=("service", "case_type", "team_type", "auditor_role", "grade", "moderated_grade"),
        yes_no=("risk_of_harm",),
        required_table=True,
        few_values=("team", "audit_date"),
    ),
    "practice_standards": TableSpec(
        required=("audit_id", "standard_id", "result"),
        categorical=("standard_id", "result"),
    ),
    "feedback_responses": TableSpec(
        required=("response_id", "survey_id", "respondent_id", "respondent_type",
                  "question_id", "answer"),
        optional=("respondent_age",),
        categorical=("survey_id", "respondent_type", "question_id", "answer"),
        few_values=("respondent_age",),
    ),
    "feedback_quotes": TableSpec(
        required=("quote_id", "survey_id", "respondent_type", "theme", "kind", "text", "approved"),
        optional=("age_band",),
        categorical=("survey_id", "respondent_type", "age_band", "theme", "kind"),
        yes_no=("approved",),
    ),
    "engagement": TableSpec(
        required=("activity_id", "activity_date", "activity_type", "participant_role",
                  "location_type", "description"),
        categorical=("activity_type", "participant_role", "location_type"),
        few_values=("activity_date",),
    ),
}

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


@dataclass
class QuarterData:
    """Everything read for one quarter, as text, before validation."""

    quarter: Quarter
    folder: str
    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]
    meeting: dict[str, Any] = field(default_factory=dict)
    populations: dict[str, dict[str, int]] = field(default_factory=dict)
    commentary: str | None = None
    commentary_source: str | None = None
    warnings: list[Problem] = field(default_factory=list)


M = TypeVar("M", bound=BaseModel)


def read_yaml_model(path: Path, model: type[M], error: type[InputError], what: str) -> M:
    """Read a YAML mapping into a pydantic model; every problem names the file and entry.

    Raises
    ------
    InputError
        Of the given subclass, for a missing file, bad YAML or entries the model refuses.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise error(f"{what} {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise error(f"{what} {path} must hold a mapping of names to values")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = "\n".join(f"  {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                            for err in exc.errors())
        raise error(f"{what} {path} is invalid:\n{details}") from None


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, for the manifest and for verify."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quarter_files(data_root: Path, quarter: Quarter) -> list[Path]:
    """Every file of a quarter's folder (what a run may read), in a stable order."""
    folder = quarter_folder(data_root, quarter)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


DATA_SET_FILE = "data_set.yaml"


class DataSetFile(BaseModel):
    """``<data root>/data_set.yaml``: the name of the data set the root holds."""

    model_config = ConfigDict(extra="forbid")

    data_set: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80,
                                               pattern=r"^[\w][\w .-]*$")]


def data_set_name(data_root: Path) -> str | None:
    """The data set a data root holds, from its ``data_set.yaml``; ``None`` for a root without one.

    Raises
    ------
    ParameterError
        For a data_set.yaml that is malformed or leads outside the data root.
    """
    path = Path(data_root) / DATA_SET_FILE
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file() or not path.resolve().is_relative_to(Path(data_root).resolve()):
        raise ParameterError(f"{display(path)} must be a file inside the data root (not a link elsewhere)")
    return read_yaml_model(path, DataSetFile, ParameterError, "data set file").data_set


def published_figures(output_dir: Path, quarter: Quarter, data_set: str | None
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
        return (f"it is from data set {recorded!r}, not {data_set!r}" if recorded
                else "its manifest names no data set")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        figures = document["figures"]
        if document.get("quarter") != str(quarter) or not isinstance(figures, dict):
            raise ValueError("not the figures of this quarter")
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError([Problem("unreadable_file", display(path), None, None, None,
                                 f"the figures.json a run writes ({exc})")]) from None
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
    return value.strip()


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


def _read_csv(path: Path, spec: TableSpec) -> pd.DataFrame:
    """A CSV table, every column as text: by pyarrow's multithreaded reader, or where it
    refuses the file (not UTF-8, a short or long row, repeated column names) by pandas,
    which reads those as a spreadsheet user would expect."""
    import pyarrow as pa

    try:
        return _read_csv_arrow(path, spec)
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        return _read_csv_pandas(path)


def _read_csv_arrow(path: Path, spec: TableSpec) -> pd.DataFrame:
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        names = next(csv.reader(handle), None)
    if not names or len(set(names)) != len(names):
        raise ValueError("no header, or a column named twice")
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False),  # blank rows keep row numbers right
        # Columns of few values arrive as categoricals (codes, not a string per row); the rest
        # as large_string, which pandas keeps text in, so that nothing is converted twice.
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.dictionary(pa.int32(), pa.string()) if n.strip().casefold() in spec.coded
                          else pa.large_string() for n in names},
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    return table.to_pandas()


def _read_csv_pandas(path: Path) -> pd.DataFrame:
    import pandas as pd

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" on Windows writes the ANSI code page.
        text = raw.decode("cp1252")
        log.info("%s is not UTF-8; read as Windows-1252", path.name)
    from io import StringIO

    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                       skip_blank_lines=False)


def _read_parquet(path: Path, spec: TableSpec) -> pd.DataFrame:
    """A Parquet table, every column as text as from a CSV (dates as ISO, whole numbers
    without ``.0``); columns of few values as categoricals, converted per distinct value."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qa_lib.frames import coded

    table = pq.read_table(path)
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


def _read_sheet(book: Path, sheet: str) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_excel(book, sheet_name=sheet, dtype=object, engine="openpyxl")
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
            columns[column] = coded(values, normalise_id)
        elif column in spec.yes_no:
            columns[column] = coded(values, normalise_yes_no)
        elif column in spec.few_values:
            columns[column] = coded(values, _strip)
        else:
            columns[column] = values.fillna("").astype(str).str.strip()
    tidy = pd.DataFrame({ROW: range(2, len(frame) + 2), **columns}, index=frame.index, copy=False)
    if columns:
        blank = tidy[list(columns)].eq("").all(axis=1)
        if blank.any():
            tidy = tidy[~blank]
    return tidy.reset_index(drop=True)


def _strip(value: Any) -> str:
    return str(value).strip()


def load_quarter(data_root: Path, quarter: Quarter, root: Path | None = None) -> QuarterData:
    """Read a quarter folder.

    Raises
    ------
    DataError
        When the folder, a required table or a readable file is missing or
        unreadable. Content problems are left to :mod:`qa_lib.validation`.
    """
    import pandas as pd

    folder = quarter_folder(data_root, quarter)
    shown = display(folder, root)
    if not folder.is_dir():
        raise DataError([Problem("missing_quarter", shown, None, None, None,
                                 f"a folder for quarter {quarter} under the data root")])
    book = folder / f"{quarter}.xlsx"
    sheets: list[str] = []
    if book.exists():
        try:
            sheets = pd.ExcelFile(book, engine="openpyxl").sheet_names
        except Exception as exc:
            raise DataError([Problem("unreadable_file", f"{shown}/{book.name}", None, None, None,
                                     f"a readable XLSX workbook ({exc})")]) from None
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for name, spec in TABLES.items():
        csv = folder / f"{name}.csv"
        parquet = folder / f"{name}.parquet"
        try:
            if csv.exists():
                sources[name] = f"{shown}/{csv.name}"
                raw = _read_csv(csv, spec)
            elif parquet.exists():
                sources[name] = f"{shown}/{parquet.name}"
                raw = _read_parquet(parquet, spec)
            elif name in sheets:
                sources[name] = f"{shown}/{book.name} [sheet {name}]"
                raw = _read_sheet(book, name)
            else:
                if spec.required_table:
                    where = f"{name}.csv or a sheet {name!r} in {quarter}.xlsx"
                    problems.append(Problem("missing_table", shown, None, None, None, where))
                continue
        except pd.errors.EmptyDataError:
            problems.append(Problem("empty_file", sources[name], None, None, None,
                                    "a header row naming the columns"))
            continue
        frame = _tidy(raw, spec)
        if frame.empty:
            # A header with no rows: the usual state of an untouched template sheet.
            if spec.required_table:
                problems.append(Problem("no_rows", sources[name], None, None, None, "at least one audit"))
            else:
                warnings.append(Problem("no_rows", sources[name], None, None, None,
                                        "rows, or no table at all; treated as not supplied", "warning"))
                del sources[name]
            continue
        tables[name] = frame
    meeting, populations = _read_quarter_yaml(folder / "quarter.yaml", root, problems)
    commentary_path = folder / "commentary.md"
    commentary = commentary_path.read_text(encoding="utf-8-sig") if commentary_path.exists() else None
    if problems:
        raise DataError(problems)
    return QuarterData(
        quarter=quarter,
        folder=shown,
        tables=tables,
        sources=sources,
        meeting=meeting,
        populations=populations,
        commentary=commentary,
        commentary_source=f"{shown}/{commentary_path.name}" if commentary is not None else None,
        warnings=warnings,
    )


def _read_quarter_yaml(path: Path, root: Path | None, problems: list[Problem]) -> tuple[dict, dict]:
    if not path.exists():
        return {}, {"audits": {}, "feedback": {}}
    shown = f"{display(path.parent, root)}/{path.name}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem("malformed_yaml", shown, None, None, None, f"valid YAML ({exc})"))
        return {}, {"audits": {}, "feedback": {}}
    if not isinstance(raw, dict):
        problems.append(Problem("malformed_yaml", shown, None, None, None, "a mapping at the top level"))
        return {}, {"audits": {}, "feedback": {}}
    meeting = raw.get("meeting") or {}
    populations: dict[str, dict[str, int]] = {"audits": {}, "feedback": {}}
    for kind in populations:
        for key, value in ((raw.get("populations") or {}).get(kind) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(Problem("bad_population", shown, None, f"populations.{kind}.{key}",
                                        str(value), "a whole number of 0 or more"))
                continue
            populations[kind][normalise_id(str(key))] = value
    return meeting, populations
