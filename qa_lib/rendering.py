"""Execute the notebook and write the quarter's outputs: the only module that writes files.

A run builds everything in a temporary folder beside the destination and moves
it into ``<output dir>/<quarter>/`` only when every output was written, so a
failure never leaves a half-written report in place of the last good one.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat
from filelock import FileLock, Timeout
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

from qa_lib import FIGURES_MIME
from qa_lib.errors import (InputError, LockedError, NotebookInputError, OutputError, ParameterError, Problem, QAError,
                           RenderError)
from qa_lib.quarter import Quarter

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
NOTEBOOK = "notebooks/quarterly_report.ipynb"
REMOVED_TAGS = {"parameters", "injected-parameters", "setup", "figures"}
FORMATS = ("html", "pdf", "docx", "xlsx")
DEFAULT_FORMATS = ("html", "pdf")

# How the file system refuses to take outputs, as opposed to a bug in the workbook.
_REFUSED = {errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_IN_THE_WAY = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR}
_OUTPUT_ERRNOS = _REFUSED | _FULL | _IN_THE_WAY | {errno.EROFS}


def shown(path: Path | str) -> str:
    """A path as the analyst will type it: relative to the working directory when below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def _refusal(exc: BaseException) -> OSError | None:
    """The file system's refusal behind ``exc``, which may wrap it (xlsxwriter raises its own
    error while handling the OSError), or ``None``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in _OUTPUT_ERRNOS:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _file_in_the_way(path: Path) -> Path | None:
    """The first of ``path`` and its parents that exists but is not a folder."""
    for candidate in reversed([path, *path.parents]):
        if candidate.exists() and not candidate.is_dir():
            return candidate
        if not candidate.exists():
            return None
    return None


def output_error(exc: BaseException, place: Path, instead: str = "choose another --output-dir") -> OutputError | None:
    """``exc`` as the analyst should read it when it means the file system will not take the
    outputs being written to ``place``; ``None`` when it means something else (a bug).

    ``instead`` says what else the analyst can do, for the command at hand.
    """
    if isinstance(exc, OutputError):
        return exc
    error = _refusal(exc)
    if error is None:
        return None
    path = Path(error.filename) if error.filename else place
    if error.errno in _FULL:
        # Name the folder the analyst chose, not a file deep inside it.
        disk = place if path == place or place in path.parents else path.parent
        what = "is full" if error.errno == errno.ENOSPC else "is over your quota"
        return OutputError(f"the disk holding {shown(disk)} {what}; free space and run again")
    if error.errno == errno.EROFS:
        return OutputError(f"cannot write to {shown(path)}: the file system is read-only; {instead}")
    if error.errno in _REFUSED:
        return OutputError(f"cannot write to {shown(path)}: permission denied; {instead} or fix its permissions")
    blocker = _file_in_the_way(path)
    if blocker is None:
        return None  # EEXIST and the like with no file in the way: not the analyst's to fix
    return OutputError(f"{shown(blocker)} is a file where a folder is needed; {instead} or move the file")


def save_traceback(exc: BaseException) -> Path:
    """Write the traceback of a crash to a temporary file (private to the user: it may
    quote input values) and return its path, for commands with no output folder."""
    handle, name = tempfile.mkstemp(prefix="qa-report-traceback-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write("".join(traceback.format_exception(exc)))
    return Path(name)


def _one_line(exc: BaseException) -> str:
    """What went wrong, in one line: a bug is named by its type, the workbook's own errors by their message."""
    lines = str(exc).strip().splitlines() or [""]
    text = lines[0] + (" …" if len(lines) > 1 else "")
    return text if isinstance(exc, QAError) else f"{type(exc).__name__}: {text}".rstrip(": ")


# What the kernel imports as it starts, before it answers.
KERNEL_WARM_UP = "import qa_lib.report"


class WorkbookKernelManager(KernelManager):
    """Start the kernel with this interpreter, whatever kernelspecs are registered.

    A stale user-level ``python3`` kernelspec pointing at another Python would
    otherwise run the report against other packages, or fail to start. Where the
    platform has Unix sockets the kernel talks over them rather than TCP, so no
    local port is opened (and ipykernel has nothing to warn about).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if os.name == "posix":
            self.transport = "ipc"
            # Each kernel gets its own socket names: the default ("kernel-ipc" in the working
            # directory) would let two runs started together cross their messages.
            self.ip = str(Path(tempfile.gettempdir()) / f"qa-kernel-{secrets.token_hex(8)}")
        self._clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        client = super().client(**kwargs)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Stop every client's channels and the kernel (it holds nothing to save)."""
        for client in self._clients:
            client.stop_channels()
        self.shutdown_kernel(now=True)

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        # The kernel imports the workbook while starting (outside the history: execution
        # counts start at 1), so its imports overlap papermill's in this process.
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                  f"--IPKernelApp.exec_lines={KERNEL_WARM_UP}"],
            display_name="qa-workbook (Python)",
            language="python",
            resource_dir=str(TEMPLATES),
        )


@dataclass(frozen=True)
class RunResult:
    folder: Path
    files: list[Path]
    warnings: list[Problem] = field(default_factory=list)


def start_kernel(root: Path) -> WorkbookKernelManager:
    """Start the workbook's kernel in ``root``; it imports the workbook as it starts."""
    env = dict(os.environ, QA_PROJECT_ROOT=str(root))  # paths resolve from the project root
    km = WorkbookKernelManager()
    km.start_kernel(cwd=str(root), env=env)
    return km


def _import_renderers() -> None:
    """Import nbconvert and WeasyPrint while the kernel works (a thread of this process)."""
    try:
        import nbconvert  # noqa: F401
        import weasyprint  # noqa: F401
        from bs4 import BeautifulSoup  # noqa: F401
    except Exception:  # the renderer itself will raise it, where it is needed
        log.debug("importing the renderers ahead of use failed", exc_info=True)


def _input_error_names(cls: type = InputError) -> set[str]:
    return {cls.__name__}.union(*(_input_error_names(sub) for sub in cls.__subclasses__()))


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any], root: Path,
                     timeout: int = 600) -> nbformat.NotebookNode:
    """Run the parameterised notebook with papermill in this environment's kernel.

    The kernel starts first and imports the workbook while this process imports
    papermill, then nbconvert and WeasyPrint for the rendering to come.

    Raises
    ------
    NotebookInputError
        When the notebook stopped on bad parameters, framework, data or commentary.
    RenderError
        When it stopped on anything else.
    """
    km = start_kernel(root)
    threading.Thread(target=_import_renderers, name="import-renderers", daemon=True).start()
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        return pm.execute_notebook(
            str(notebook), str(output), parameters=parameters, cwd=str(root), km=km, kernel_name="python3",
            progress_bar=False, log_output=False, execution_timeout=timeout, start_timeout=120,
            request_save_on_cell_execute=False,  # written once, at the end or at a failure
        )
    except PapermillExecutionError as exc:
        first_line = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
        kind = NotebookInputError if exc.ename in _input_error_names() else RenderError
        # Chained, so the kernel's traceback reaches failed/traceback.txt; the message is one line.
        raise kind(f"the notebook failed in cell {exc.exec_count} ({first_line}): "
                   f"{exc.ename}: {exc.evalue}") from exc
    finally:
        km.close()


def portable_parameters(parameters: dict[str, Any], root: Path) -> dict[str, Any]:
    """Parameters with every absolute path shown as the project shows it (no machine path)."""
    from qa_lib.paths import display

    return {k: display(Path(v), root) if isinstance(v, str) and os.path.isabs(v) else v
            for k, v in parameters.items()}


def make_portable(nb: nbformat.NotebookNode, path: Path, root: Path) -> None:
    """Rewrite the executed notebook so it names no machine path: papermill records
    absolute input and output paths and the injected parameters as given."""
    from qa_lib.paths import display

    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if meta.get(key):
            meta[key] = display(Path(meta[key]), root) if key == "input_path" else path.name
    given = dict(meta.get("parameters", {}))
    meta["parameters"] = portable_parameters(given, root)
    replacements = {v: meta["parameters"][k] for k, v in given.items() if v != meta["parameters"][k]}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            for old, new in replacements.items():
                cell.source = cell.source.replace(repr(old)[1:-1], new)
    nbformat.write(nb, path)


def payload_from(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """What the notebook's figures cell displayed: figures, title, marking, tables."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if FIGURES_MIME in data:
                return data[FIGURES_MIME]
    raise RenderError("the executed notebook has no figures output (a cell tagged 'figures' calling "
                      "report.figures_output())")


def html_from(nb: nbformat.NotebookNode, title: str) -> str:
    """The committee paper as one self-contained HTML file, with a contents list."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="committee", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS), enabled=True)
    css = (TEMPLATES / "committee" / "report.css").read_text(encoding="utf-8")
    body, _ = exporter.from_notebook_node(nb, resources={"qa": {"title": title, "css": css}})
    return with_contents(body)


def with_contents(html: str) -> str:
    """Number the paper's paragraphs, tables and figures in the order they appear, give each
    section heading an id and list them after the front sheet. Done once, on the assembled
    paper: the cells carry empty number slots, so re-running a cell cannot renumber anything."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for css, label in (("para-no", "{}."), ("table-no", "Table {}"), ("figure-no", "Figure {}")):
        for number, slot in enumerate(soup.find_all("span", class_=css), start=1):
            slot.string = label.format(number)
    headings = soup.main.find_all("h2") if soup.main else []
    if not headings:
        return str(soup)
    items = []
    for number, heading in enumerate(headings, start=1):
        heading["id"] = f"section-{number}"
        link = soup.new_tag("a", href=f"#section-{number}")
        link.string = heading.get_text()
        item = soup.new_tag("li")
        item.append(link)
        items.append(item)
    nav = soup.new_tag("nav", attrs={"class": "contents", "aria-labelledby": "contents-heading"})
    title = soup.new_tag("p", attrs={"id": "contents-heading", "class": "contents-heading"})
    title.string = "Contents"
    listing = soup.new_tag("ol")
    for item in items:
        listing.append(item)
    nav.append(title)
    nav.append(listing)
    front = soup.main.find("header")
    if front:
        front.insert_after(nav)
    else:
        soup.main.insert(0, nav)
    return str(soup)


def tables_from(html: str) -> list[dict[str, Any]]:
    """Every table of the assembled paper, in order, as the spreadsheet annex lists them:
    number, caption, header, rows of cell texts and notes."""
    from bs4 import BeautifulSoup

    found = []
    for number, wrap in enumerate(BeautifulSoup(html, "html.parser").find_all("div", class_="table-wrap"), start=1):
        table = wrap.find("table")
        caption = table.caption.get_text().split(": ", 1)[1]
        found.append({"number": number, "caption": caption,
                      "columns": [th.get_text() for th in table.thead.find_all("th")],
                      "rows": [[cell.get_text() for cell in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")],
                      "notes": [p.get_text() for p in wrap.find_all("p", class_="table-note")]})
    return found


def docx_text(path: Path) -> str:
    """The text of a Word file, as pandoc reads it: pandoc stamps the file with the time it
    was made, so two runs are compared on their text."""
    import pypandoc

    return pypandoc.convert_file(str(path), "plain", format="docx", extra_args=["--wrap=none", "--standalone"])


def docx_from(html: str, target: Path) -> None:
    """Word for committee systems that take it: pandoc (in the pypandoc-binary wheel) from the same HTML."""
    import pypandoc

    pypandoc.convert_text(html, "docx", format="html", outputfile=str(target),
                          extra_args=["--resource-path", str(TEMPLATES)])


def _cell_value(text: str) -> Any:
    """Numbers as numbers for spreadsheet users; symbols and words stay text."""
    plain = text.replace(",", "")
    if plain.isdigit():
        return int(plain)
    if plain.endswith("%") and plain[:-1].isdigit():
        return int(plain[:-1])
    return text


def xlsx_from(payload: dict[str, Any], tables: list[dict[str, Any]], target: Path) -> None:
    """The data-tables annex, laid out by gptables as the Analysis Function's guidance on
    releasing statistics in spreadsheets asks: cover, contents, notes, one table a sheet."""
    import gptables as gpt
    import pandas as pd

    from qa_lib.disclosure import SYMBOL_MEANINGS

    document = payload["figures"]
    # Notes in order of first reference, as gptables numbers them [note 1], [note 2], …
    notes = {"symbols": " ".join(f"{symbol} means {meaning}." for symbol, meaning in SYMBOL_MEANINGS.items())}
    keys: dict[str, str] = {}
    sheets = {}
    for table in tables:
        frame = pd.DataFrame([[cell if i == 0 else _cell_value(cell) for i, cell in enumerate(row)]
                              for row in table["rows"]], columns=table["columns"])
        refs = "$$symbols$$"
        for note in table["notes"]:
            if any(note.startswith(symbol + " ") for symbol in SYMBOL_MEANINGS):
                continue  # the symbols note covers it
            if note not in keys:
                keys[note] = f"note{len(notes) + 1}"
                notes[keys[note]] = note
            refs += f" $${keys[note]}$$"
        sheets[f"Table {table['number']}"] = gpt.GPTable(
            table=frame, table_name=f"table_{table['number']}", title=f"Table {table['number']}: {table['caption']}",
            scope=f"Quarter {document['quarter']}",
            source=f"Source: the quarter's case file audits, feedback and engagement records ({payload['marking']})",
            subtitles=[f"Percentages are whole numbers rounded half up. {refs}"], index_columns={2: 0})
    contact = payload.get("contact") or {}
    cover = gpt.Cover(
        title=f"{payload['title']}: data tables, {document['quarter']}",
        intro=[f"The tables of the quarterly quality assurance report for {document['quarter']}, one to a sheet.",
               f"Security marking: {payload['marking']}."],
        about=["Suppressed, unreliable and unavailable values use the Government Statistical Service shorthand, "
               "explained on the notes sheet.", "The methodology is in the report's appendix."],
        contact=[v for v in (contact.get("name"), contact.get("email"), contact.get("telephone")) if v] or ["-"])
    numbered = pd.DataFrame({"Note number": list(notes), "Note text": list(notes.values())})
    # Text from the data or framework is written as text: never a formula or a link.
    book = gpt.produce_workbook(str(target), sheets, cover=cover, notes_table=numbered,
                                contentsheet_options={"title": "Contents"},
                                workbook_options={"strings_to_formulas": False, "strings_to_urls": False})
    # The file's own creation date comes from the data, so a re-run gives the same bytes.
    book.set_properties({"created": datetime.fromisoformat(payload["document_date"]).replace(tzinfo=timezone.utc),
                         "title": cover.title})
    book.close()


def pdf_from(html: str, target: Path, document_date: str | None = None) -> None:
    """A4 PDF of the same HTML, tagged for accessibility (PDF/UA), dated from the data
    rather than the clock so that a re-run gives the same bytes."""
    from weasyprint import HTML

    if document_date:
        stamp = f'<meta name="dcterms.created" content="{document_date}T00:00:00Z">' \
                f'<meta name="dcterms.modified" content="{document_date}T00:00:00Z">'
        html = html.replace("</head>", stamp + "</head>", 1)
    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(target, pdf_variant="pdf/ua-1")


def save_workbook(book: Any, path: Path) -> None:
    """Save an openpyxl workbook, never over an existing file (it may hold data), and
    leave no partial file behind when the save fails."""
    if path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    try:
        book.save(staging)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")


class _RunLogHandler(logging.FileHandler):
    """A file handler that keeps a failed write (a full disk) to fail the run with, instead of
    printing logging's own traceback on the console."""

    failure: BaseException | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failure = self.failure or sys.exc_info()[1]


class _RunLog:
    """Copies the workbook's log records of one run into ``run.log`` beside its outputs."""

    def __init__(self, path: Path):
        self.handler = _RunLogHandler(path, encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.logger = logging.getLogger("qa_lib")
        self.previous_level = self.logger.level
        self.logger.addHandler(self.handler)
        if self.logger.getEffectiveLevel() > logging.INFO:
            self.logger.setLevel(logging.INFO)

    def close(self) -> None:
        """Stop copying records; a write that failed is raised by :meth:`check`."""
        if self.handler in self.logger.handlers:
            self.logger.removeHandler(self.handler)
            self.logger.setLevel(self.previous_level)
            try:
                self.handler.close()
            except OSError as exc:
                self.handler.failure = self.handler.failure or exc

    def check(self) -> None:
        """Raise the error that kept a record out of ``run.log``, if any."""
        if self.handler.failure is not None:
            raise self.handler.failure


def manifest(provenance: dict[str, Any], work: Path, started: datetime, formats: tuple[str, ...]) -> dict[str, Any]:
    """``manifest.json``: what produced the outputs, when, and each output's SHA-256."""
    from qa_lib.loading import sha256

    from qa_lib.paths import display

    return {**provenance, "output_dir": display(work.parent.parent), "formats": list(formats),
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "outputs": {p.name: sha256(p) for p in sorted(work.iterdir()) if p.is_file()}}


class QuarterOutputs:
    """The outputs of one quarter, published all or nothing.

    Each run writes into its own folder ``<output dir>/.runs/<quarter>.<id>/``;
    ``<output dir>/<quarter>`` is a relative symbolic link to the published run,
    switched with one atomic ``os.replace``. Until that call the previous link
    and folder are untouched, so a run that fails or is killed at any moment
    leaves the previous outputs byte for byte. Folders of unpublished runs are
    removed by the next run of the quarter. Where the platform refuses symbolic
    links (Windows without developer mode) the folder is swapped by two renames
    instead, which is safe against errors but not against a kill between them.

    What the file system refuses (a file in the way, no permission, a read-only
    or full disk) and a link leading outside the output folder are raised as
    :class:`OutputError`, naming the path and what to do.
    """

    def __init__(self, output_dir: Path, quarter: Quarter):
        self.output_dir = output_dir
        self.quarter = str(quarter)
        self.final = output_dir / self.quarter
        self.runs = output_dir / ".runs"
        self._lock = FileLock(str(output_dir / f".{self.quarter}.lock"))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Raise the file system's refusals as :class:`OutputError`; anything else as it is."""
        try:
            yield
        except OSError as exc:
            problem = output_error(exc, self.output_dir)
            if problem is None:
                raise
            raise problem from exc

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the quarter for this run; refuse at once if another run holds it.

        The lock is an OS file lock, released by the kernel when its process
        dies, so a killed run cannot leave the quarter stuck.
        """
        with self._writing():
            self.output_dir.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                raise LockedError(f"quarter {self.quarter} is being written by another run "
                                  f"(lock {self._lock.lock_file}); wait for it to finish") from None
        try:
            with self._writing():
                self._clear_abandoned()
            yield
        finally:
            self._lock.release()

    def _checked_runs(self) -> Path:
        """``.runs``, refused if it leads outside the output folder (checked before anything
        is created, removed or written in it)."""
        if not self.runs.resolve().is_relative_to(self.output_dir.resolve()):
            raise OutputError(f"{shown(self.runs)} leads outside the output folder; refusing to write there: "
                              f"remove the link or choose another --output-dir")
        return self.runs

    def new_run(self) -> Path:
        """A fresh folder for one run (made with the user's umask, readable as outputs are)."""
        with self._writing():
            self._checked_runs().mkdir(parents=True, exist_ok=True)
            while True:
                run = self.runs / f"{self.quarter}.{secrets.token_hex(4)}"
                try:
                    run.mkdir()
                    return run
                except FileExistsError:
                    if not self.runs.is_dir():
                        raise
                    continue

    def published(self) -> Path | None:
        """The folder the quarter's outputs currently live in, if any.

        Raises
        ------
        OutputError
            When the quarter's link leads outside the output folder.
        """
        if self.final.is_symlink():
            target = self.final.resolve()
            if not target.is_relative_to(self.output_dir.resolve()):
                raise OutputError(f"{shown(self.final)} leads outside the output folder; refusing to write there: "
                                  f"remove the link or choose another --output-dir")
            return target
        return self.final if self.final.is_dir() else None

    def published_formats(self) -> tuple[str, ...]:
        """The formats of the published outputs: as their manifest lists them, else the
        ``report.<format>`` files the folder holds."""
        current = self.published()
        if current is None:
            return ()
        try:
            listed = json.loads((current / "manifest.json").read_text(encoding="utf-8"))["formats"]
            return _in_order({f for f in listed if f in FORMATS and (current / f"report.{f}").is_file()})
        except (OSError, ValueError, KeyError, TypeError):
            return _in_order({f for f in FORMATS if (current / f"report.{f}").is_file()})

    def publish(self, run: Path) -> None:
        """Make ``run`` the quarter's outputs in one atomic step."""
        with self._writing():
            self._publish(run)

    def _publish(self, run: Path) -> None:
        previous = self.published()
        link = self.output_dir / f".{self.quarter}.link-{run.name.rsplit('.', 1)[-1]}"
        try:
            os.symlink(os.path.relpath(run, self.output_dir), link, target_is_directory=True)
        except OSError as exc:
            if exc.errno in _FULL | {errno.EACCES, errno.EROFS}:
                raise  # the folder refuses any write: renaming would fail as well
            self._publish_by_rename(run, previous)
            return
        try:
            if self.final.exists() and not self.final.is_symlink():
                # A plain folder from an older layout: move it aside to link in its place.
                aside = self.runs / f"{self.quarter}.replaced"
                self.final.rename(aside)
                try:
                    os.replace(link, self.final)
                except BaseException:
                    aside.rename(self.final)
                    raise
                previous = aside
            else:
                os.replace(link, self.final)
        except BaseException:
            link.unlink(missing_ok=True)
            raise
        if previous is not None and previous != run.resolve():
            shutil.rmtree(previous, ignore_errors=True)

    def _publish_by_rename(self, run: Path, previous: Path | None) -> None:
        retired = self.runs / f"{self.quarter}.retired"
        shutil.rmtree(retired, ignore_errors=True)
        if previous is not None:
            self.final.rename(retired)
        try:
            run.rename(self.final)
        except OSError:
            if previous is not None:
                retired.rename(self.final)
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def write_failed(self, files: dict[str, Path | str]) -> Path:
        """Record a failed run in ``<quarter>/failed/`` and nothing else.

        ``files`` maps a file name to text, or to a file to copy. The previous
        outputs' own files are not touched; a previous ``failed/`` is replaced.
        When the record cannot be written, nothing of it is left: no staging
        folder, and no empty outputs for a quarter that had none.
        """
        with self._writing():
            placeholder = None
            if self.published() is None:
                placeholder = self.new_run()
                try:
                    self.publish(placeholder)
                except BaseException:
                    shutil.rmtree(placeholder, ignore_errors=True)
                    raise
            try:
                self._stage_failed(self.published(), files)
            except BaseException:
                if placeholder is not None:
                    self._withdraw(placeholder)
                raise
        return self.final / "failed"

    @staticmethod
    def _stage_failed(folder: Path, files: dict[str, Path | str]) -> None:
        # mkdtemp makes it private to the user: failed/ may quote input values.
        staging = Path(tempfile.mkdtemp(prefix=".failed.", dir=folder))
        try:
            for name, content in files.items():
                if isinstance(content, Path):
                    shutil.copyfile(content, staging / name)
                else:
                    (staging / name).write_text(content, encoding="utf-8")
            failed = folder / "failed"
            shutil.rmtree(failed, ignore_errors=True)
            staging.rename(failed)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def _withdraw(self, placeholder: Path) -> None:
        """Unpublish the empty folder made to hold a first run's ``failed/``."""
        if self.final.is_symlink():
            self.final.unlink(missing_ok=True)
        elif self.final.is_dir():
            shutil.rmtree(self.final, ignore_errors=True)
        shutil.rmtree(placeholder, ignore_errors=True)

    def fail(self, exc: Exception, work: Path, keep: dict[str, Path]) -> QAError:
        """Clear away the failed run in ``work``, record it, and return the error to raise instead.

        A refusal by the file system is the analyst's to fix: the run's folder goes first
        (on a full disk that frees the space it took) and ``failed/error.txt`` records the
        message, if even that can be written. Anything else is a bug, recorded by
        :meth:`crashed` with the files in ``keep`` that exist (the notebook as far as it ran).
        """
        problem = output_error(exc, self.output_dir)
        if problem is None:
            try:
                return self.crashed(exc, {name: path for name, path in keep.items() if path.exists()})
            finally:
                shutil.rmtree(work, ignore_errors=True)
        had_outputs = self._has_outputs()
        shutil.rmtree(work, ignore_errors=True)
        try:
            self.write_failed({"error.txt": f"{problem}\n"})
        except (OSError, QAError):
            log.debug("the failed run could not be recorded in failed/", exc_info=True)
        return OutputError(f"{problem}" + (" — the previous outputs are unchanged" if had_outputs else ""))

    def crashed(self, exc: BaseException, keep: dict[str, Path | str] | None = None) -> RenderError:
        """Record a bug in ``failed/`` (``traceback.txt`` and the files in ``keep``) and return
        a one-line error naming the traceback; a temporary file holds it when ``failed/``
        cannot be written."""
        had_outputs = self._has_outputs()
        files = {**(keep or {}), "traceback.txt": "".join(traceback.format_exception(exc))}
        try:
            where: Path | None = self.write_failed(files)
        except (OSError, QAError):
            log.debug("the failed run could not be recorded in failed/", exc_info=True)
            where = None
        unchanged = "; the previous outputs are unchanged" if had_outputs else ""
        if where is None:
            return RenderError(f"{_one_line(exc)}{unchanged}; the traceback is in {shown(save_traceback(exc))}")
        kept = f"the notebook as far as it ran is in {shown(where)}, and " if "report.ipynb" in files else ""
        return RenderError(f"{_one_line(exc)}{unchanged}; {kept}the traceback is in {shown(where / 'traceback.txt')}")

    @contextmanager
    def crashes_recorded(self) -> Iterator[None]:
        """Raise a bug in the block as :meth:`crashed` does, a refusal by the file system as
        :class:`OutputError`; the workbook's own errors pass as they are."""
        try:
            yield
        except QAError:
            raise
        except Exception as exc:
            raise (output_error(exc, self.output_dir) or self.crashed(exc)) from exc

    def _has_outputs(self) -> bool:
        try:
            return self.published() is not None
        except QAError:
            return False

    def _clear_abandoned(self) -> None:
        """Remove what killed or failed runs of this quarter left behind."""
        current = self.published()
        for stray in self.output_dir.glob(f".{self.quarter}.link-*"):
            stray.unlink(missing_ok=True)
        if self._checked_runs().is_dir():
            for folder in self.runs.glob(f"{self.quarter}.*"):
                if current is None or folder.resolve() != current:
                    shutil.rmtree(folder, ignore_errors=True)
        if current is not None:
            for staging in current.glob(".failed.*"):
                shutil.rmtree(staging, ignore_errors=True)


def validation_report(quarter: str, errors: list[Problem], warnings: list[Problem]) -> str:
    """``validation.json``: every problem, for the analyst and for tools."""
    def as_dict(problem: Problem) -> dict[str, Any]:
        return {**asdict(problem), "message": problem.describe()}

    return json.dumps({"quarter": quarter, "valid": not errors, "errors": [as_dict(p) for p in errors],
                       "warnings": [as_dict(p) for p in warnings]}, indent=2, ensure_ascii=False) + "\n"


def _render_into(work: Path, nb: nbformat.NotebookNode, formats: tuple[str, ...], started: datetime,
                 run_log: _RunLog, listed: tuple[str, ...] | None = None) -> None:
    """Write every output of an executed notebook into ``work``: figures, the chosen
    formats, then the manifest that hashes them and lists ``listed`` (the formats the
    folder holds, some perhaps carried over; by default those written)."""
    payload = payload_from(nb)
    write_json(work / "figures.json", payload["figures"])
    html = html_from(nb, f"{payload['marking']}: {payload['title']}")
    if "html" in formats:
        (work / "report.html").write_text(html, encoding="utf-8")
    if "pdf" in formats:
        pdf_from(html, work / "report.pdf", payload["document_date"])
    if "docx" in formats:
        docx_from(html, work / "report.docx")
    if "xlsx" in formats:
        xlsx_from(payload, tables_from(html), work / "report.xlsx")
    log.info("outputs written: %s", ", ".join(sorted(p.name for p in work.iterdir())))
    run_log.close()
    run_log.check()
    write_json(work / "manifest.json", manifest(payload["provenance"], work, started, listed or formats))


def _in_order(formats: set[str] | list[str]) -> tuple[str, ...]:
    return tuple(f for f in FORMATS if f in formats)


def render_outputs(folder: Path, nb: nbformat.NotebookNode, formats: tuple[str, ...]) -> None:
    """Write every output of an executed notebook into ``folder`` as a run does, with its own
    ``run.log`` (``verify`` compares them with a run's)."""
    run_log = _RunLog(folder / "run.log")
    try:
        _render_into(folder, nb, formats, datetime.now(timezone.utc), run_log)
    finally:
        run_log.close()


def _result(outputs: QuarterOutputs, formats: tuple[str, ...], warnings: list[Problem] | None = None) -> RunResult:
    names = ["report.ipynb", *[f"report.{f}" for f in FORMATS if f in formats], "figures.json", "manifest.json",
             "run.log"]
    return RunResult(outputs.final, [outputs.final / name for name in names], warnings or [])


def warnings_from(nb: nbformat.NotebookNode) -> list[Problem]:
    """The warnings the notebook's figures output carries (commentary warnings without their words)."""
    return [Problem(**w) for w in payload_from(nb).get("warnings", [])]


def run_quarter(parameters: dict[str, Any], outputs: QuarterOutputs, root: Path,
                formats: tuple[str, ...] = DEFAULT_FORMATS) -> RunResult:
    """Execute and render one quarter and publish it; the caller holds the lock.

    Raises
    ------
    OutputError
        When the file system refuses the outputs (no permission, a full disk, a file
        in the way): the previous outputs stay as they were; nothing of the run remains.
    RenderError
        When execution or rendering fails otherwise: the previous outputs stay as they
        were; the partly executed notebook and the traceback are kept in ``failed/``.
    """
    # Every format the published outputs had is made again from this execution: none is lost.
    formats = _in_order(set(formats) | set(outputs.published_formats()))
    work = outputs.new_run()
    started = datetime.now(timezone.utc)
    run_log: _RunLog | None = None
    try:
        run_log = _RunLog(work / "run.log")
        log.info("run of %s started with %s", parameters.get("quarter"), portable_parameters(parameters, root))
        nb = execute_notebook(root / NOTEBOOK, work / "report.ipynb", parameters, root)
        make_portable(nb, work / "report.ipynb", root)
        warnings = warnings_from(nb)
        for problem in warnings:
            log.info("warning [%s] in %s%s", problem.rule, problem.file,
                     "" if problem.row is None else f", row {problem.row}")
        _render_into(work, nb, formats, started, run_log)
        outputs.publish(work)
    except Exception as exc:
        if run_log is not None:
            run_log.close()
        raise outputs.fail(exc, work, {"report.ipynb": work / "report.ipynb"}) from exc
    return _result(outputs, formats, warnings)


def rerender_quarter(outputs: QuarterOutputs, formats: tuple[str, ...] | None = None) -> RunResult:
    """Render a published run's executed notebook again, without executing it
    (after a change of template or style); the caller holds the lock."""
    current = outputs.published()
    if current is None or not (current / "report.ipynb").is_file():
        raise ParameterError(f"{shown(outputs.final)} holds no executed notebook to render: name an output "
                             f"folder of `qa-report run`, e.g. outputs/2013-14-Q4")
    had = outputs.published_formats()
    asked = formats or had or DEFAULT_FORMATS
    # The formats not asked for are carried over unchanged: they come from the same executed notebook.
    carried = [f for f in had if f not in asked]
    threading.Thread(target=_import_renderers, name="import-renderers", daemon=True).start()
    work = outputs.new_run()
    started = datetime.now(timezone.utc)
    run_log: _RunLog | None = None
    try:
        run_log = _RunLog(work / "run.log")
        log.info("re-render of %s without executing (%s; carried over: %s)", outputs.quarter, ",".join(asked),
                 ",".join(carried) or "none")
        shutil.copyfile(current / "report.ipynb", work / "report.ipynb")
        for kind in carried:
            shutil.copyfile(current / f"report.{kind}", work / f"report.{kind}")
        formats = _in_order(set(asked) | set(carried))
        _render_into(work, nbformat.read(work / "report.ipynb", as_version=4), asked, started, run_log, formats)
        outputs.publish(work)
    except Exception as exc:
        if run_log is not None:
            run_log.close()
        raise outputs.fail(exc, work, {}) from exc  # the published notebook is still there
    return _result(outputs, formats)
