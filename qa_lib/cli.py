"""``qa-report``: run or check a quarter from the command line.

Exit codes: 0 success (warnings allowed); 2 invalid parameters or data, or outputs
that cannot be written where asked; 3 the quarter is locked by another run; 1 a
crash (one line naming the file that holds the traceback), or for ``verify`` a run
that is not reproduced.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from qa_lib import __version__
from qa_lib.errors import (CommentaryError, DataError, FrameworkError, InputError, LockedError, NotebookInputError,
                           ParameterError, Problem, QAError, RenderError)
from qa_lib.loading import DATA_SET_FILE, read_yaml_model
from qa_lib.paths import project_root, resolve
from qa_lib.quarter import Quarter
from qa_lib.rendering import (DEFAULT_FORMATS, FORMATS, QuarterOutputs, output_error, run_quarter, save_traceback,
                              save_workbook, shown, validation_report)

if TYPE_CHECKING:
    from qa_lib.report import Report

log = logging.getLogger("qa_lib")

DEFAULTS = {"data_root": "data", "framework": "params/framework.yaml", "output_dir": "outputs",
            "mode": "publication", "status": "draft"}


class ParamsFile(BaseModel):
    """The keys a params file may hold; anything else is refused."""

    model_config = ConfigDict(extra="forbid")

    quarter: str | None = None
    data_root: str | None = None
    framework: str | None = None
    output_dir: str | None = None
    mode: Literal["publication", "internal"] | None = None
    status: Literal["draft", "final"] | None = None
    formats: list[Literal["html", "pdf", "docx", "xlsx"]] | None = None


def read_params(path: Path) -> ParamsFile:
    return read_yaml_model(path, ParamsFile, ParameterError, "params file")


PATHS = ("data_root", "framework", "output_dir")


def resolve_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """Command-line values over the params file over the defaults, every path made absolute.

    Paths typed on the command line are relative to the working directory, as every
    command's are; defaults and paths inside a params file are relative to the project
    root (so a params file means the same wherever the command is run from). A params
    file may lie anywhere, but the ``output_dir`` it names must lie inside the project:
    a file should not be able to send outputs anywhere on disk (``--output-dir`` can).
    """
    root = project_root()
    params_path = Path(args.params).absolute() if args.params else None
    from_file = read_params(params_path).model_dump(exclude_none=True) if params_path else {}
    quarter = str(Quarter.parse(args.quarter))
    if "quarter" in from_file and str(Quarter.parse(from_file["quarter"])) != quarter:
        raise ParameterError(f"params file {args.params} is for quarter {from_file['quarter']}, "
                             f"but --quarter is {quarter}")
    params: dict[str, Any] = {**DEFAULTS, **from_file, "quarter": quarter}
    typed = {name: params[name] for name in PATHS}  # as the analyst wrote them, for messages
    for name in PATHS:
        params[name] = str(resolve(params[name], root))
    if "output_dir" in from_file and not Path(params["output_dir"]).resolve().is_relative_to(root):
        raise ParameterError(f"params file {args.params}: output_dir {from_file['output_dir']!r} lies outside the "
                             f"project; name a folder inside it, or give --output-dir on the command line")
    for name in ("data_root", "framework", "output_dir", "mode", "status"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = str(Path(value).absolute()) if name in PATHS else value
            typed[name] = value
    if getattr(args, "formats", None):
        params["formats"] = parse_formats(args.formats)
    params["formats"] = tuple(params.get("formats") or DEFAULT_FORMATS)
    if not Path(params["data_root"]).is_dir():
        raise ParameterError(f"data root {typed['data_root']} does not exist")
    if not Path(params["framework"]).is_file():
        raise ParameterError(f"framework file {typed['framework']} does not exist")
    params["params_file"] = str(params_path) if params_path else None
    return params


def parse_formats(text: str) -> tuple[str, ...]:
    """``html,pdf`` → ``("html", "pdf")``, refusing anything but the known formats."""
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ParameterError(f"--formats takes a comma-separated list of {', '.join(FORMATS)}; "
                             f"not {', '.join(unknown) or 'nothing'}")
    return chosen


def _check(params: dict[str, str]) -> Report:
    """Load, validate and compute the quarter in this process, without the notebook."""
    from qa_lib.report import build_report

    return build_report(params["quarter"], params["data_root"], params["framework"], params["mode"],
                        params["status"], params["output_dir"], params["params_file"])


def problems_of(exc: InputError) -> list[Problem]:
    """The problems an input error stands for, for tables and validation.json."""
    if isinstance(exc, DataError):
        return exc.problems
    rule = {CommentaryError: "commentary", FrameworkError: "framework"}.get(type(exc), "parameters")
    return [Problem(rule, "", None, None, None, str(exc))]


def problem_table(problems: list[Problem]) -> str:
    """Problems as a plain-text table an analyst can work down, row by row."""
    header = ("severity", "rule", "file", "row", "column", "value", "expected")
    rows = [(p.severity, p.rule, p.file, "" if p.row is None else str(p.row), p.column or "",
             "" if p.value is None else repr(p.value), p.expected) for p in problems]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1]
                     for r in [header, *rows])


def _summarise(params: dict[str, str], errors: list[Problem], warnings: list[Problem], json_path: str | None,
               table: bool = True) -> None:
    if json_path:
        with _refusals_as_errors(Path(json_path).parent, "name another file with --json"):
            Path(json_path).write_text(validation_report(params["quarter"], errors, warnings), encoding="utf-8")
    if table and (errors or warnings):
        print(problem_table(errors + warnings), file=sys.stderr)


def _explain_input_error(params: dict[str, str], outputs: QuarterOutputs) -> None:
    """Validate in this process after the notebook stopped on bad input: raise the input
    error with every problem, recorded in ``failed/validation.json``; return if none is found."""
    try:
        _check(params)
    except (DataError, CommentaryError, FrameworkError) as exc:
        where = outputs.write_failed({"validation.json": validation_report(params["quarter"], problems_of(exc), [])})
        _summarise(params, problems_of(exc), [], None, table=isinstance(exc, DataError))
        print(f"The problems are recorded in {_shown(where / 'validation.json')}; "
              f"the previous outputs are unchanged.", file=sys.stderr)
        raise


def cmd_run(args: argparse.Namespace) -> int:
    """Execute and render; on invalid input record ``failed/validation.json``.

    The kernel loads, validates and computes the quarter, once: validating here
    first would do it twice. Only when the notebook stops on bad input does this
    process validate, to report every problem as ``validate`` does.
    """
    params = resolve_parameters(args)
    root = project_root()
    outputs = QuarterOutputs(resolve(params["output_dir"], root), Quarter.parse(params["quarter"]))
    notebook_params = {k: params[k] for k in ("quarter", "data_root", "framework", "mode", "status",
                                              "output_dir", "params_file")}
    with outputs.locked(), outputs.crashes_recorded():
        log.info("executing the notebook for %s", params["quarter"])
        try:
            result = run_quarter(notebook_params, outputs, root, params["formats"])
        except RenderError as exc:
            if isinstance(exc.__cause__, NotebookInputError):
                _explain_input_error(params, outputs)
            raise
    _summarise(params, [], result.warnings, None)
    print(f"Report for {params['quarter']} written:")
    for path in result.files:
        print(f"  {_shown(path)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    params = resolve_parameters(args)
    try:
        report = _check(params)
    except InputError as exc:
        _summarise(params, problems_of(exc), [], args.json, table=isinstance(exc, DataError))
        raise
    _summarise(params, [], report.warnings, args.json)
    print(f"{params['quarter']}: valid; {len(report.figures)} figures computed; "
          f"{len(report.warnings)} warning(s).")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Render a quarter's executed notebook again, without executing it."""
    from qa_lib.rendering import rerender_quarter

    folder = Path(args.folder)
    outputs = QuarterOutputs(folder.parent, Quarter.parse(folder.name))
    formats = parse_formats(args.formats) if args.formats else None
    with outputs.locked(), outputs.crashes_recorded():
        result = rerender_quarter(outputs, formats)
    print(f"Report for {folder.name} rendered again:")
    for path in result.files:
        print(f"  {_shown(path)}")
    return 0


class _RunParameters(BaseModel):
    """The parameters a manifest records; the notebook is run again with them."""

    model_config = ConfigDict(extra="allow")

    quarter: str
    data_root: str


class _GitRecord(BaseModel):
    commit: str | None = None
    dirty: bool | None = None


class RunManifest(BaseModel):
    """What ``verify`` reads of a run's ``manifest.json``; one without it cannot be verified."""

    model_config = ConfigDict(extra="allow")

    qa_workbook_version: str
    git: _GitRecord
    parameters: _RunParameters
    inputs: dict[str, str]
    outputs: dict[str, str]
    formats: list[str] = []
    packages: dict[str, str] = {}


# Outputs that record when the run happened, so never the same twice.
_TIMED_OUTPUTS = ("manifest.json", "run.log")


def _read_run(folder: Path) -> tuple[RunManifest, dict[str, Any]]:
    """A run's manifest and figures, or exit 2 saying why the folder cannot be verified."""
    import json

    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ParameterError(f"{_shown(folder)} has no manifest.json: is it an output folder of `qa-report run`?")
    try:
        manifest = RunManifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the whole file"
        raise ParameterError(f"{_shown(manifest_path)} is corrupt ({where}: {first['msg']}), so the run cannot be "
                             f"verified; restore the folder from a copy, or run the quarter again") from None
    figures_path = folder / "figures.json"
    if not figures_path.is_file():
        raise ParameterError(f"{_shown(folder)} has no figures.json, so its figures cannot be compared; restore it "
                             f"from a copy (the manifest holds its SHA-256), or run the quarter again")
    try:
        figures = json.loads(figures_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParameterError(f"{_shown(figures_path)} is corrupt ({exc}), so its figures cannot be compared; "
                             f"restore it from a copy, or run the quarter again") from None
    if not isinstance(figures, dict) or not isinstance(figures.get("figures"), dict):
        raise ParameterError(f"{_shown(figures_path)} holds no figures, so they cannot be compared; restore it "
                             f"from a copy, or run the quarter again")
    return manifest, figures


def _data_root_of(manifest: RunManifest, given: str | None, root: Path) -> Path:
    """Where the run's data root is now: ``--data-root``, else where the manifest says;
    exit 2 naming ``--data-root`` when the run's quarter is not there."""
    recorded, quarter = manifest.parameters.data_root, manifest.parameters.quarter
    data_root = Path(given).absolute() if given else resolve(recorded, root)
    if (data_root / quarter).is_dir():
        return data_root
    if given:
        raise ParameterError(f"--data-root {given} holds no folder {quarter}/; name the folder that holds the run's "
                             f"quarter folders")
    raise ParameterError(f"the run's data root is not where the manifest says: it records {recorded!r}, which here "
                         f"is {_shown(data_root)} and holds no folder {quarter}/; name where the data root is now "
                         f"with --data-root")


def _changed_outputs(folder: Path, manifest: RunManifest) -> list[str]:
    """Each output the manifest lists that is missing or no longer has the SHA-256 it lists."""
    from qa_lib.loading import sha256

    problems = []
    for name, recorded in manifest.outputs.items():
        path = folder / name
        if Path(name).name != name:
            problems.append(f"the manifest lists {name!r}, which is not a file of the output folder")
        elif not path.is_file():
            problems.append(f"{name} is missing (the manifest lists it)")
        elif (now := sha256(path)) != recorded:
            problems.append(f"{name} has changed since the run (SHA-256 {recorded[:12]}… in the manifest, "
                            f"{now[:12]}… now)")
    return problems


def _params_file_of(manifest: RunManifest, given: str | None, root: Path) -> Path | None:
    """Where the run's params file is now: ``--params``, else ``params/<its name>`` in the project."""
    recorded = manifest.parameters.model_dump().get("params_file")
    if not recorded:
        return None
    return Path(given).absolute() if given else root / "params" / Path(recorded).name


def _changed_inputs(manifest: RunManifest, data_root: Path, output_dir: Path, params_file: Path | None,
                    root: Path) -> list[str]:
    from qa_lib.loading import sha256
    from qa_lib.report import DATA_ROOT, OUTPUT_DIR, PARAMS

    places = {DATA_ROOT: data_root, OUTPUT_DIR: output_dir, PARAMS: params_file.parent if params_file else root}
    problems = []
    for name, recorded in manifest.inputs.items():
        prefix, _, rest = name.partition("/")
        path = places[prefix] / rest if prefix in places else resolve(name, root)
        if prefix == PARAMS and params_file is not None:
            path = params_file
        if not path.is_file():
            problems.append(f"input {name} is missing" + (" (name where it is now with --params)"
                                                          if prefix == PARAMS else ""))
        elif (now := sha256(path)) != recorded:
            problems.append(f"input {name} has changed since the run (SHA-256 {recorded[:12]}… is now {now[:12]}…)")
    return problems


def _changed_figures(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for part in ("figures", "previous"):
        before, after = old.get(part) or {}, new.get(part) or {}
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                problems.append(f"{part} {key}: was {before.get(key, 'absent')}, now {after.get(key, 'absent')}")
    for key in ("quarter", "previous_quarter"):
        if old.get(key) != new.get(key):
            problems.append(f"{key}: was {old.get(key)}, now {new.get(key)}")
    return problems


def _rendered_differences(folder: Path, again: Path, names: list[str]) -> list[str]:
    """Each of ``names`` that differs between a run's folder and a re-run's: Word on its text
    (pandoc stamps it with the time), the notebook on its cells' outputs (its injected
    parameters name the output folder), everything else byte for byte."""
    import nbformat

    from qa_lib.rendering import docx_text

    problems = []
    for name in names:
        old, new = folder / name, again / name
        if not new.is_file():
            problems.append(f"{name}: a re-run does not make it")
        elif name.endswith(".docx"):
            if docx_text(old) != docx_text(new):
                problems.append(f"{name}: its text differs from a re-run on these inputs")
        elif name.endswith(".ipynb"):
            outputs = [[c.get("outputs") for c in nbformat.read(path, as_version=4).cells] for path in (old, new)]
            if outputs[0] != outputs[1]:
                problems.append(f"{name}: its cells' outputs differ from a re-run on these inputs")
        elif old.read_bytes() != new.read_bytes():
            problems.append(f"{name} differs from a re-run on these inputs")
    return problems


def _other_code(manifest: RunManifest, root: Path) -> list[str]:
    """How the code now differs from the code that made the run: the workbook's version, its
    commit or uncommitted changes, and the packages that compute or render the report. Any
    of them changes the rendered outputs' bytes (the report's appendix names them all)."""
    from qa_lib.report import _git, _version

    git = _git(root)
    found = [f"it was version {manifest.qa_workbook_version}, this is {__version__}"] \
        if manifest.qa_workbook_version != __version__ else []
    if manifest.git.commit != git["commit"]:
        found.append(f"it was commit {(manifest.git.commit or 'unknown')[:12]}…, this is "
                     f"{(git['commit'] or 'unknown')[:12]}…")
    elif manifest.git.dirty != git["dirty"]:
        found.append("this checkout has uncommitted changes" if git["dirty"] else
                     "it had uncommitted changes, this checkout has none")
    found += [f"it had {name} {version}, this has {_version(name)}" for name, version in manifest.packages.items()
              if _version(name) != version]
    return found


def _renamed_data_root(manifest: RunManifest, data_root: Path, root: Path) -> list[str]:
    """Why the rendered outputs differ when the data root has moved: their appendix names it."""
    from qa_lib.paths import display

    now = display(data_root, root)
    if now == manifest.parameters.data_root:
        return []
    return [f"the report's appendix names its data root {manifest.parameters.data_root!r}, here {now!r}"]


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-check a run's outputs and inputs against its manifest, re-execute and re-render it, and compare.

    Every output the manifest lists must still have its SHA-256. The re-run's figures are
    compared one by one; its rendered outputs (made in a temporary folder by the run's own
    functions) byte for byte, Word on its text, the notebook on its outputs. Outputs made by
    other code (see :func:`_other_code`), or naming a data root that has moved, are listed,
    not compared: a quarter published before a release stays verifiable after it.
    """
    import tempfile

    from qa_lib.rendering import NOTEBOOK, execute_notebook, make_portable, payload_from, render_outputs

    folder = Path(args.folder)
    manifest, old_figures = _read_run(folder)
    root = project_root()
    data_root = _data_root_of(manifest, args.data_root, root)
    params_file = _params_file_of(manifest, args.params, root)
    output_dir = folder.resolve().parent  # where the run found earlier quarters' figures
    problems = _changed_outputs(folder, manifest) + _changed_inputs(manifest, data_root, output_dir, params_file,
                                                                     root)

    code, renamed = _other_code(manifest, root), _renamed_data_root(manifest, data_root, root)
    formats = [f for f in FORMATS if f in manifest.formats or f"report.{f}" in manifest.outputs]
    rendered = [name for name in manifest.outputs if name.startswith("report.")]
    if code:
        made_by = (f"made by version {manifest.qa_workbook_version} (commit {(manifest.git.commit or 'unknown')[:12]}…"
                   + (", with uncommitted changes" if manifest.git.dirty else "") + "), not compared")
        notes = [f"{name}: {made_by}" for name in rendered]
    else:
        notes = [f"{name}: names the data root {manifest.parameters.data_root!r}, not compared" for name in rendered] \
            if renamed else []
    compared = [name for name in manifest.outputs if name not in _TIMED_OUTPUTS and not (notes and name in rendered)]

    parameters = dict(manifest.parameters.model_dump(), data_root=str(data_root), output_dir=str(output_dir),
                      params_file=str(params_file) if params_file and params_file.is_file() else None)
    with tempfile.TemporaryDirectory(prefix="qa-verify-") as tmp:
        again = Path(tmp)
        log.info("re-executing %s", manifest.parameters.quarter)
        try:
            nb = execute_notebook(root / NOTEBOOK, again / "report.ipynb", parameters, root)
        except RenderError as exc:  # the inputs changed so that the quarter no longer runs, or the code did
            problems.append(f"re-running the quarter fails: {str(exc).splitlines()[0]}")
            nb = None
        if nb is not None:
            make_portable(nb, again / "report.ipynb", root)
            new_figures = payload_from(nb)["figures"]
            problems += _changed_figures(old_figures, new_figures)
            if not notes:
                log.info("rendering %s again", ", ".join(formats))
                render_outputs(again, nb, tuple(formats))
                problems += _rendered_differences(folder, again, compared)
    if problems:
        print(f"{folder}: NOT reproduced", file=sys.stderr)
        for line in problems + notes:
            print(f"  - {line}", file=sys.stderr)
        return 1
    figures = f"{len(old_figures['figures'])} figures identical"
    if notes:
        print(f"{folder}: inputs unchanged and {figures}; its rendered outputs are not compared "
              f"({'; '.join(code + renamed)}):")
        for line in notes:
            print(f"  - {line}")
    else:
        shown_names = [f"{n} (its text)" if n.endswith(".docx") else n for n in compared if n != "figures.json"]
        print(f"{folder}: reproduced: outputs as the manifest lists them, inputs unchanged, {figures}, and "
              f"{', '.join(shown_names)} the same on a re-run")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Run every quarter in a range in parallel worker processes, each isolated."""
    import subprocess
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    first, last = Quarter.parse(args.start), Quarter.parse(args.end)
    if last < first:
        raise ParameterError(f"--to {last} is before --from {first}")
    quarters = []
    q = first
    while q <= last:
        quarters.append(q)
        q = q.next
    jobs = args.jobs or os.cpu_count() or 1
    running: set[str] = set()
    lock = threading.Lock()

    def one(quarter: Quarter) -> tuple[str, str, float, str]:
        command = [sys.executable, "-m", "qa_lib.cli", "run", "--quarter", str(quarter)]
        for flag, value in (("--data-root", args.data_root), ("--output-dir", args.output_dir),
                            ("--framework", args.framework), ("--mode", args.mode), ("--status", args.status),
                            ("--formats", args.formats)):
            if value:
                command += [flag, value]
        with lock:
            running.add(str(quarter))
            print(f"started {quarter}; running: {', '.join(sorted(running))}", file=sys.stderr, flush=True)
        began = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.monotonic() - began
        with lock:
            running.discard(str(quarter))
            state = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
            print(f"finished {quarter}: {state}; running: {', '.join(sorted(running)) or 'none'}",
                  file=sys.stderr, flush=True)
        output = _cli_path(args.output_dir, "output_dir") / str(quarter)
        return str(quarter), state if done.returncode == 0 else f"{state}: {_reason(done.stderr)}", seconds, \
            str(output)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, quarters))
    width = max(len(r[1]) for r in results)
    print(f"{'quarter':<11}  {'status':<{width}}  {'seconds':>7}  output folder")
    for quarter, state, seconds, output in results:
        print(f"{quarter:<11}  {state:<{width}}  {seconds:7.1f}  {output}")
    return 0 if all(r[1] == "ok" for r in results) else 1


def _reason(stderr: str) -> str:
    """A failed run's own reason, in one line: its last ``error:`` line."""
    errors = [line.removeprefix("error: ") for line in stderr.splitlines() if line.startswith("error: ")]
    return errors[-1] if errors else (stderr.strip().splitlines() or ["no message"])[-1]


def cmd_new_quarter(args: argparse.Namespace) -> int:
    """Create a quarter's params file and data folder with its data-entry workbook."""
    import yaml

    from qa_lib.framework import load_framework
    from qa_lib.template import build_template

    quarter = Quarter.parse(args.quarter)
    root = project_root()
    data_root = _cli_path(args.data_root, "data_root")
    framework = _cli_path(args.framework, "framework")
    params_path = resolve(f"params/{quarter}.yaml", root)
    if params_path.exists():
        raise ParameterError(f"{_shown(params_path)} already exists; edit it instead")
    folder = data_root / str(quarter)
    template = folder / "template.xlsx"
    with _refusals_as_errors(folder, "choose another --data-root"):
        folder.mkdir(parents=True, exist_ok=True)
        if not template.exists():
            save_workbook(build_template(load_framework(framework), quarter), template)
        data_set = data_root / DATA_SET_FILE
        if not data_set.exists():
            # A new data root is a data set of its own: name it, so that its runs take history only from its own.
            name = args.data_set or data_root.name
            data_set.write_text("# The name of this data set: a run uses published figures (history) only from runs "
                                "of\n# the same data set, so a real quarter never takes the sample's as its own.\n"
                                + yaml.safe_dump({"data_set": name}), encoding="utf-8")
            print(f"Created {_shown(data_set)} naming the data set {name!r}.")
    # Paths inside a params file are read relative to the project root.
    with _refusals_as_errors(params_path.parent, "run it in a copy of the project you can write to"):
        params_path.write_text(f"# Parameters for {quarter} ({quarter.months}).\n"
                               + yaml.safe_dump({"quarter": str(quarter), "data_root": _for_params(data_root, root),
                                                 "framework": _for_params(framework, root), "status": "draft"},
                                                sort_keys=False), encoding="utf-8")
    print(f"Created {_shown(params_path)} and {_shown(folder)}/ with {template.name}.")
    print("Next:")
    print(f"  1. Fill in {_shown(template)} (or put the quarter's CSV files in {_shown(folder)}/), and save the "
          f"workbook as {quarter}.xlsx there.")
    print("  2. Optionally add quarter.yaml (meeting details, populations) and commentary.md (see "
          "docs/data-contract.md).")
    print(f"  3. qa-report validate --quarter {quarter} --params {_shown(params_path)}")
    print(f"  4. qa-report run --quarter {quarter} --params {_shown(params_path)}  (add --status final for "
          f"the committee)")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    """Write the quarter's data-entry workbook."""
    from qa_lib.framework import load_framework
    from qa_lib.template import build_template

    quarter = Quarter.parse(args.quarter)
    target = Path(args.output) if args.output else _cli_path(args.data_root, "data_root") / str(quarter) / "template.xlsx"
    framework = load_framework(_cli_path(args.framework, "framework"))
    if target.exists():
        raise ParameterError(f"{target} already exists and may hold entered data; "
                             f"move it or name another file with --output")
    with _refusals_as_errors(target.parent, "name another file with --output"):
        save_workbook(build_template(framework, quarter), target)
    print(f"Data-entry workbook for {quarter} written: {_shown(target)}")
    print(f"Fill it in, save it as {quarter}.xlsx in the quarter's folder, then run "
          f"qa-report validate --quarter {quarter}")
    return 0


def _cli_path(value: str | None, name: str) -> Path:
    """A path from the command line (relative to the working directory), else its default
    (relative to the project root)."""
    return Path(value).absolute() if value else resolve(DEFAULTS[name], project_root())


def _for_params(path: Path, root: Path) -> str:
    """A path as a params file holds it: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _shown(path: Path) -> str:
    """A path as the analyst will type it: relative to here, through the quarter's link."""
    return shown(path)


@contextmanager
def _refusals_as_errors(place: Path, instead: str) -> Iterator[None]:
    """Raise the file system's refusal to write in the folder ``place`` (no permission, a full
    disk, a file in the way) as an :class:`~qa_lib.errors.OutputError` saying what to do instead."""
    try:
        yield
    except OSError as exc:
        problem = output_error(exc, place, instead)
        if problem is None:
            raise
        raise problem from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-report", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"qa-report {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress as well as warnings")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext, func in (("run", "validate, execute the notebook and write the outputs", cmd_run),
                                 ("validate", "check a quarter's parameters and data without running", cmd_validate)):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--quarter", required=True, help="financial-year quarter, e.g. 2013-14-Q4")
        cmd.add_argument("--data-root", dest="data_root", help=f"folder of quarter folders (default {DEFAULTS['data_root']})")
        cmd.add_argument("--params", help="YAML params file, e.g. params/2013-14-Q4.yaml")
        cmd.add_argument("--framework", help=f"framework YAML (default {DEFAULTS['framework']})")
        cmd.add_argument("--status", choices=["draft", "final"],
                         help="draft (default): watermarked DRAFT on every page; final: for the committee")
        cmd.add_argument("--mode", choices=["publication", "internal"],
                         help="publication (default): small numbers suppressed, marked OFFICIAL; internal: "
                              "everything shown, marked OFFICIAL-SENSITIVE")
        if name == "run":
            cmd.add_argument("--formats", help=f"comma-separated, of {', '.join(FORMATS)} "
                                               f"(default {','.join(DEFAULT_FORMATS)})")
            cmd.add_argument("--output-dir", dest="output_dir",
                             help=f"where <quarter>/ is written (default {DEFAULTS['output_dir']})")
        else:
            cmd.add_argument("--json", help="also write every problem to this JSON file")
        cmd.set_defaults(func=func)
    template = sub.add_parser("template", help="write an XLSX data-entry workbook for a quarter")
    template.add_argument("--quarter", required=True, help="financial-year quarter, e.g. 2014-15-Q2")
    template.add_argument("--data-root", dest="data_root", help=f"default {DEFAULTS['data_root']}")
    template.add_argument("--framework", help=f"framework YAML (default {DEFAULTS['framework']})")
    template.add_argument("--output", help="file to write (default <data root>/<quarter>/template.xlsx)")
    template.set_defaults(func=cmd_template)
    render = sub.add_parser("render", help="render an executed report again without executing it")
    render.add_argument("folder", help="an output folder, e.g. outputs/2013-14-Q4")
    render.add_argument("--formats", help="comma-separated (default: the formats of the run)")
    render.set_defaults(func=cmd_render)
    verify = sub.add_parser("verify", help="re-check a run's inputs, re-execute it and compare (exit 1 if it differs)")
    verify.add_argument("folder", help="an output folder, e.g. outputs/2013-14-Q4")
    verify.add_argument("--params", help="where the run's params file is now (default params/<its name>)")
    verify.add_argument("--data-root", dest="data_root",
                        help="where the run's data root is now, if it lies outside the project")
    verify.set_defaults(func=cmd_verify)
    batch = sub.add_parser("batch", help="run every quarter in a range in parallel")
    batch.add_argument("--from", dest="start", required=True, help="first quarter, e.g. 2013-14-Q1")
    batch.add_argument("--to", dest="end", required=True, help="last quarter, e.g. 2014-15-Q1")
    batch.add_argument("--jobs", type=int, help="worker processes (default: the number of cores)")
    for flag in ("--data-root", "--output-dir", "--framework", "--formats"):
        batch.add_argument(flag, dest=flag[2:].replace("-", "_"))
    batch.add_argument("--mode", choices=["publication", "internal"])
    batch.add_argument("--status", choices=["draft", "final"])
    batch.set_defaults(func=cmd_batch)
    new = sub.add_parser("new-quarter", help="create a quarter's params file and data folder with its workbook")
    new.add_argument("quarter", help="e.g. 2014-15-Q2")
    new.add_argument("--data-root", dest="data_root", help=f"default {DEFAULTS['data_root']}")
    new.add_argument("--framework", help=f"default {DEFAULTS['framework']}")
    new.add_argument("--data-set", dest="data_set",
                     help="name of the data set, written to <data root>/data_set.yaml if the root has none "
                          "(default: the data root's folder name)")
    new.set_defaults(func=cmd_new_quarter)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    # The console shows warnings (progress too with -v); run.log records progress regardless.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO if args.verbose else logging.WARNING)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    for noisy in ("weasyprint", "fontTools", "papermill"):
        # Their progress and font-subsetting chatter hides the analyst's own warnings.
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return args.func(args)
    except DataError as exc:
        one = len(exc.problems) == 1
        print(f"error: {len(exc.problems)} {'problem' if one else 'problems'} in the quarter's data, "
              f"{'' if one else 'the first '}{exc.problems[0].describe()}; fix {'it' if one else 'them'} "
              f"(`qa-report validate` lists every one) and run again", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except QAError as exc:
        # A crash the run recorded (failed/traceback.txt), or a run verify could not reproduce.
        print(f"error: {exc}", file=sys.stderr)
        if args.verbose and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line here, the traceback in a file for the bug report
        where = save_traceback(exc)
        first = (str(exc).strip().splitlines() or [""])[0]
        print(f"error: qa-report crashed ({type(exc).__name__}: {first}); this is a bug, to report with its "
              f"traceback; the traceback is in {where}", file=sys.stderr)
        if args.verbose:
            traceback.print_exception(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
