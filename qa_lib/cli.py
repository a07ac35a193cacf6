"""``qa-report``: run or check a quarter from the command line.

Exit codes: 0 success (warnings allowed); 2 invalid parameters or data; 3 the
quarter is locked by another run; 1 a crash.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, ConfigDict

from qa_lib import __version__
from qa_lib.errors import (CommentaryError, DataError, FrameworkError, InputError, LockedError, ParameterError,
                           Problem, QAError)
from qa_lib.loading import read_yaml_model
from qa_lib.paths import project_root, resolve
from qa_lib.quarter import Quarter
from qa_lib.rendering import (DEFAULT_FORMATS, FORMATS, QuarterOutputs, run_quarter, save_workbook,
                              validation_report)
from qa_lib.report import Report, build_report

log = logging.getLogger("qa_lib")

DEFAULTS = {"data_root": "data", "framework": "params/framework.yaml", "output_dir": "outputs",
            "mode": "publication"}


class ParamsFile(BaseModel):
    """The keys a params file may hold; anything else is refused."""

    model_config = ConfigDict(extra="forbid")

    quarter: str | None = None
    data_root: str | None = None
    framework: str | None = None
    output_dir: str | None = None
    mode: Literal["publication", "internal"] | None = None
    formats: list[Literal["html", "pdf", "docx", "xlsx"]] | None = None


def read_params(path: Path) -> ParamsFile:
    return read_yaml_model(path, ParamsFile, ParameterError, "params file")


def resolve_parameters(args: argparse.Namespace) -> dict[str, str]:
    """Command-line values over the params file over the defaults."""
    from_file = read_params(Path(args.params)).model_dump(exclude_none=True) if args.params else {}
    quarter = str(Quarter.parse(args.quarter))
    if "quarter" in from_file and str(Quarter.parse(from_file["quarter"])) != quarter:
        raise ParameterError(f"params file {args.params} is for quarter {from_file['quarter']}, "
                             f"but --quarter is {quarter}")
    params = {**DEFAULTS, **from_file, "quarter": quarter}
    for name in ("data_root", "framework", "output_dir", "mode"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    if getattr(args, "formats", None):
        chosen = [f.strip() for f in args.formats.split(",") if f.strip()]
        unknown = sorted(set(chosen) - set(FORMATS))
        if unknown or not chosen:
            raise ParameterError(f"--formats takes a comma-separated list of {', '.join(FORMATS)}; "
                                 f"not {', '.join(unknown) or 'nothing'}")
        params["formats"] = chosen
    params["formats"] = tuple(params.get("formats") or DEFAULT_FORMATS)
    if not resolve(params["data_root"]).is_dir():
        raise ParameterError(f"data root {params['data_root']} does not exist")
    if not resolve(params["framework"]).is_file():
        raise ParameterError(f"framework file {params['framework']} does not exist")
    return params


def _check(params: dict[str, str]) -> Report:
    """Load, validate and compute the quarter in-process, before any execution."""
    return build_report(params["quarter"], params["data_root"], params["framework"], params["mode"])


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
        Path(json_path).write_text(validation_report(params["quarter"], errors, warnings), encoding="utf-8")
    if table and (errors or warnings):
        print(problem_table(errors + warnings), file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Validate, then execute and render; on invalid input record ``failed/validation.json``."""
    params = resolve_parameters(args)
    root = project_root()
    outputs = QuarterOutputs(resolve(params["output_dir"], root), Quarter.parse(params["quarter"]))
    with outputs.locked():
        try:
            report = _check(params)
        except (DataError, CommentaryError, FrameworkError) as exc:
            where = outputs.write_failed({"validation.json": validation_report(params["quarter"], problems_of(exc), [])})
            _summarise(params, problems_of(exc), [], None, table=isinstance(exc, DataError))
            print(f"The problems are recorded in {_shown(where / 'validation.json')}; "
                  f"the previous outputs are unchanged.", file=sys.stderr)
            raise
        _summarise(params, [], report.warnings, None)
        notebook_params = {k: params[k] for k in ("quarter", "data_root", "framework", "mode")}
        log.info("executing the notebook for %s", params["quarter"])
        result = run_quarter(notebook_params, outputs, root, params["formats"])
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


def cmd_template(args: argparse.Namespace) -> int:
    """Write the quarter's data-entry workbook."""
    from qa_lib.framework import load_framework
    from qa_lib.template import build_template

    quarter = Quarter.parse(args.quarter)
    data_root = args.data_root or DEFAULTS["data_root"]
    target = Path(args.output) if args.output else resolve(data_root) / str(quarter) / "template.xlsx"
    framework = load_framework(resolve(args.framework or DEFAULTS["framework"]))
    try:
        save_workbook(build_template(framework, quarter), target)
    except FileExistsError:
        raise ParameterError(f"{target} already exists and may hold entered data; "
                             f"move it or name another file with --output") from None
    print(f"Data-entry workbook for {quarter} written: {_shown(target)}")
    print(f"Fill it in, save it as {quarter}.xlsx in the quarter's folder, then run "
          f"qa-report validate --quarter {quarter}")
    return 0


def _shown(path: Path) -> str:
    """A path as the analyst will type it: relative to here, through the quarter's link."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    for noisy in ("weasyprint", "fontTools", "papermill"):
        # Their progress and font-subsetting chatter hides the analyst's own warnings.
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return args.func(args)
    except DataError as exc:
        noun = "problem" if len(exc.problems) == 1 else "problems"
        print(f"error: {len(exc.problems)} {noun} in the quarter's data (listed above); fix them and run again",
              file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception:  # a crash: show everything for the bug report
        log.exception("qa-report crashed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
