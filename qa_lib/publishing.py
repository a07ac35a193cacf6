"""Publishing a quarter's outputs: all or nothing, under a lock, with the manifest that
records what made them and the run's log; a failed run leaves only its record in
``failed/``."""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from qa_lib.errors import LockedError, OutputError, QAError, RenderError
from qa_lib.exporters import FORMATS
from qa_lib.filesystem import FULL, one_line, output_error, save_traceback, shown
from qa_lib.quarter import Quarter

log = logging.getLogger(__name__)


def in_order(formats: set[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Formats in the order the workbook lists them."""
    return tuple(f for f in FORMATS if f in formats)


class _RunLogHandler(logging.FileHandler):
    """A file handler that keeps a failed write (a full disk) to fail the run with, instead of
    printing logging's own traceback on the console."""

    failure: BaseException | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failure = self.failure or sys.exc_info()[1]


class RunLog:
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

    return {
        **provenance,
        "output_dir": display(work.parent.parent),
        "formats": list(formats),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "outputs": {p.name: sha256(p) for p in sorted(work.iterdir()) if p.is_file()},
    }


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
                raise LockedError(
                    f"quarter {self.quarter} is being written by another run "
                    f"(lock {self._lock.lock_file}); wait for it to finish"
                ) from None
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
            raise OutputError(
                f"{shown(self.runs)} leads outside the output folder; refusing to write there: "
                f"remove the link or choose another --output-dir"
            )
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
                raise OutputError(
                    f"{shown(self.final)} leads outside the output folder; refusing to write there: "
                    f"remove the link or choose another --output-dir"
                )
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
            return in_order({f for f in listed if f in FORMATS and (current / f"report.{f}").is_file()})
        except (OSError, ValueError, KeyError, TypeError):
            return in_order({f for f in FORMATS if (current / f"report.{f}").is_file()})

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
            if exc.errno in FULL | {errno.EACCES, errno.EROFS}:
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
                folder = self.published()
                assert folder is not None  # published above, if it was not
                self._stage_failed(folder, files)
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
            return RenderError(f"{one_line(exc)}{unchanged}; the traceback is in {shown(save_traceback(exc))}")
        kept = f"the notebook as far as it ran is in {shown(where)}, and " if "report.ipynb" in files else ""
        return RenderError(f"{one_line(exc)}{unchanged}; {kept}the traceback is in {shown(where / 'traceback.txt')}")

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
