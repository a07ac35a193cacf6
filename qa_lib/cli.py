"""``qa-report``: run or check a quarter from the command line.

Exit codes: 0 success (warnings allowed); 2 invalid parameters or data; 3 the
quarter is locked by another run; 1 a crash.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from qa_lib import __version__
from qa_lib.errors import InputError, LockedError, ParameterError, QAError
from qa_lib.paths import project_root, resolve
from qa_lib.quarter import Quarter

log = logging.getLogger("qa_lib")

DEFAULTS = {"data_root": "data", "framework": "params/framework.yaml", "output_dir": "outputs"}


class ParamsFile(BaseModel):
    """The keys a params file may hold; anything else is refused."""

    model_config = ConfigDict(extra="forbid")

    quarter: str | None = None
    data_root: str | None = None
    framework: str | None = None
    output_dir: str | None = None


def read_params(path: Path) -> ParamsFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ParameterError(f"params file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"params file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"params file {path} must hold a mapping of parameter names to values")
    try:
        return ParamsFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParameterError(f"params file {path}: {problems}") from None


def resolve_parameters(args: argparse.Namespace) -> dict[str, str]:
    """Command-line values over the params file over the defaults."""
    from_file = read_params(Path(args.params)).model_dump(exclude_none=True) if args.params else {}
    quarter = str(Quarter.parse(args.quarter))
    if "quarter" in from_file and str(Quarter.parse(from_file["quarter"])) != quarter:
        raise ParameterError(f"params file {args.params} is for quarter {from_file['quarter']}, "
                             f"but --quarter is {quarter}")
    params = {**DEFAULTS, **from_file, "quarter": quarter}
    for name in ("data_root", "framework", "output_dir"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    return params


def _check(params: dict[str, str]):
    """Load, validate and compute the quarter in-process, before any execution."""
    from qa_lib.report import build_report

    data_root = resolve(params["data_root"])
    if not data_root.is_dir():
        raise ParameterError(f"data root {params['data_root']} does not exist")
    return build_report(params["quarter"], params["data_root"], params["framework"])


def cmd_run(args: argparse.Namespace) -> int:
    from qa_lib.rendering import run_quarter

    params = resolve_parameters(args)
    report = _check(params)
    root = project_root()
    notebook_params = {k: params[k] for k in ("quarter", "data_root", "framework")}
    log.info("executing the notebook for %s", params["quarter"])
    result = run_quarter(report.quarter, notebook_params, resolve(params["output_dir"], root), root)
    print(f"Report for {params['quarter']} written:")
    for path in result.files:
        print(f"  {_shown(path)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    params = resolve_parameters(args)
    report = _check(params)
    print(f"{params['quarter']}: data valid, {len(report.figures)} figures computed, "
          f"{len(report.warnings)} warning(s).")
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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
        if name == "run":
            cmd.add_argument("--output-dir", dest="output_dir",
                             help=f"where <quarter>/ is written (default {DEFAULTS['output_dir']})")
        cmd.set_defaults(func=func)
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
