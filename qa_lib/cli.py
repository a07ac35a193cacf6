"""qa-report: run or check a quarter from the command line.

Exit codes: 0 success (warnings allowed); 2 invalid parameters or data, or outputs
that cannot be written where asked; 3 the quarter is locked by another run; 1 a
crash (one line naming the file that holds the traceback), or for verify a run
that is not reproduced.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from pydantic_core import PydanticUndefined

from qa_lib import __version__
from qa_lib.errors import (
    CommentaryError,
    DataError,
    FrameworkError,
    InputError,
    LockedError,
    NotebookInputError,
    ParameterError,
    Problem,
    QAError,
    RenderError,
    validation_report,
)
from qa_lib.exporters import FORMATS
from qa_lib.paper import GAP_MARK
from qa_lib.filesystem import refusals_as_errors, save_traceback, shown
from qa_lib.parameters import PATHS, RunParameters, parameters, read_params_file
from qa_lib.paths import project_root, resolve
from qa_lib.progress import Progress
from qa_lib.publishing import QuarterOutputs
from qa_lib.quarter import Quarter

if TYPE_CHECKING:
    from qa_lib.kernel import RunKernel
    from qa_lib.pipeline import BatchResult

log = logging.getLogger("qa_lib")


def resolve_parameters(args: argparse.Namespace) -> RunParameters:
    """Command-line values over the params file over the defaults, every path made absolute.

    Paths typed on the command line are relative to the working directory, as every
    command's are; defaults and paths inside a params file are relative to the project
    root (so a params file means the same wherever the command is run from). A params
    file may lie anywhere, but the ``output_dir`` it names must lie inside the project:
    a file should not be able to send outputs anywhere on disk (``--output-dir`` can).
    """
    root = project_root()
    params_path = Path(args.params_file).absolute() if args.params_file else None
    from_file = read_params_file(params_path) if params_path else {}
    if args.quarter is None and "quarter" not in from_file:
        raise ParameterError(
            "name the quarter: --quarter 2014-15-Q2, or --params with a params file that names its quarter"
        )
    quarter = str(Quarter.parse(args.quarter if args.quarter is not None else from_file["quarter"]))
    if "quarter" in from_file and str(Quarter.parse(from_file["quarter"])) != quarter:
        raise ParameterError(
            f"params file {args.params_file} is for quarter {from_file['quarter']}, but --quarter is {quarter}"
        )
    values: dict[str, Any] = {**DEFAULTS, **from_file, "quarter": quarter}
    typed = {name: values[name] for name in PATHS}  # as the analyst wrote them, for messages
    for name in PATHS:
        values[name] = str(resolve(values[name], root))
    if "output_dir" in from_file and not Path(values["output_dir"]).resolve().is_relative_to(root):
        raise ParameterError(
            f"params file {args.params_file}: output_dir {from_file['output_dir']!r} lies outside the "
            f"project; name a folder inside it, or give --output-dir on the command line"
        )
    for name in ("data_root", "framework", "output_dir", "reference_docx", "mode", "status"):
        value = getattr(args, name, None)
        if value is not None:
            values[name] = str(Path(value).absolute()) if name in PATHS else value
            typed[name] = value
    if getattr(args, "formats", None):
        values["formats"] = parse_formats(args.formats)
    if not Path(values["data_root"]).is_dir():
        raise ParameterError(f"data root {typed['data_root']} does not exist")
    if not Path(values["framework"]).is_file():
        raise ParameterError(f"framework file {typed['framework']} does not exist")
    values["params_file"] = str(params_path) if params_path else None
    return parameters(**values)


def parse_formats(text: str) -> tuple[str, ...]:
    """``html,pdf`` → ``("html", "pdf")``, refusing anything but the known formats."""
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ParameterError(
            f"--formats takes a comma-separated list of {', '.join(FORMATS)}; not {', '.join(unknown) or 'nothing'}"
        )
    return chosen


def problems_of(exc: InputError) -> list[Problem]:
    """The problems an input error stands for, for tables and validation.json."""
    if isinstance(exc, DataError):
        return exc.problems
    rule = {CommentaryError: "commentary", FrameworkError: "framework"}.get(type(exc), "parameters")
    return [Problem(rule, "", None, None, None, str(exc))]


def problem_table(problems: list[Problem]) -> str:
    """Problems as a plain-text table an analyst can work down, row by row."""
    header = ("severity", "rule", "file", "row", "column", "value", "expected")
    rows = [
        (
            p.severity,
            p.rule,
            p.file,
            "" if p.row is None else str(p.row),
            p.column or "",
            "" if p.value is None else repr(p.value),
            p.expected,
        )
        for p in problems
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1] for r in [header, *rows])


def _summarise(
    params: RunParameters, errors: list[Problem], warnings: list[Problem], json_path: str | None, table: bool = True
) -> None:
    if json_path:
        with refusals_as_errors(Path(json_path).parent, "name another file with --json"):
            Path(json_path).write_text(validation_report(params.quarter, errors, warnings), encoding="utf-8")
    if table and (errors or warnings):
        print(problem_table(errors + warnings), file=sys.stderr)


def _explain_input_error(params: RunParameters, outputs: QuarterOutputs) -> None:
    """Validate in this process after the notebook stopped on bad input: raise the input
    error with every problem, recorded in ``failed/validation.json``; return if none is found."""
    from qa_lib import pipeline

    try:
        pipeline.validate(params)
    except (DataError, CommentaryError, FrameworkError) as exc:
        where = outputs.write_failed({"validation.json": validation_report(params.quarter, problems_of(exc), [])})
        _summarise(params, problems_of(exc), [], None, table=isinstance(exc, DataError))
        print(
            f"The problems are recorded in {shown(where / 'validation.json')}; the previous outputs are unchanged.",
            file=sys.stderr,
        )
        raise


def cmd_run(args: argparse.Namespace) -> int:
    """Execute and render; on invalid input record ``failed/validation.json``.

    The kernel loads, validates and computes the quarter, once: validating here
    first would do it twice. Only when the notebook stops on bad input does this
    process validate, to report every problem as ``validate`` does. The kernel starts
    as soon as the parameters are read, so it imports while this process does.
    """
    progress = Progress(sys.stderr, quiet=args.quiet or args.verbose)  # -v logs each step instead
    progress.stage("validating the parameters")
    params = resolve_parameters(args)
    root = project_root()
    outputs = QuarterOutputs(Path(params.output_dir), Quarter.parse(params.quarter))
    progress.stage("starting the notebook's kernel")
    kernel: RunKernel | None = None
    try:
        kernel = _start_kernel(root)
        from qa_lib import pipeline

        if not args.no_index:
            # The index's libraries load while the kernel works (another process), not after it.
            threading.Thread(target=_import_index, args=(params.quarter,), name="import-index", daemon=True).start()
        with outputs.locked(), outputs.crashes_recorded():
            log.info("executing the notebook for %s", params.quarter)
            try:
                result = pipeline.run_quarter(
                    params.notebook(),
                    outputs,
                    root,
                    params.formats,
                    reference_docx=Path(params.reference_docx),
                    progress=progress,
                    kernel=kernel,
                )
            except RenderError as exc:
                if isinstance(exc.__cause__, NotebookInputError):
                    progress.done()
                    _explain_input_error(params, outputs)
                raise
        if not args.no_index:
            progress.stage("writing the index of quarters")
            index = _write_index(Path(params.output_dir), Path(params.data_root), Path(params.framework))
            if index is not None:
                result.files.append(index)
    finally:
        if kernel is not None:
            kernel.close()  # when the run stopped before the notebook did
        progress.done()
    _summarise(params, [], result.warnings, None)
    print(f"Report for {params.quarter} written:")
    for path in result.files:
        print(f"  {shown(path)}")
    return 0


def _start_kernel(root: Path) -> RunKernel:
    from qa_lib.kernel import RunKernel  # jupyter_client: only to execute

    return RunKernel(root)


def _import_index(quarter: str) -> None:
    """Load what the index of quarters needs while the kernel works (another process)."""
    try:
        import qa_lib.charts  # noqa: F401  matplotlib, for the trend chart
        import qa_lib.index  # noqa: F401
        import qa_lib.sections.audits  # noqa: F401
        from qa_lib import figures
        from qa_lib.prose import say

        figures.from_keys({}, quarter)  # pandera builds its checks on first use
        say("audits", "trend_chart_axis")  # and Jinja compiles the chart's words
    except Exception:  # raised again where it is needed
        log.debug("importing the index's libraries ahead of use failed", exc_info=True)


def _write_index(output_dir: Path, data_root: Path, framework: Path) -> Path | None:
    """Write the index of published quarters; a failure leaves the previous index and is a
    warning: the quarter itself is published."""
    from qa_lib.index import write_index

    try:
        return write_index(output_dir, data_root, framework, project_root())
    except Exception as exc:  # the quarter is published: the index is not worth failing it for
        log.warning(
            "the index of quarters (%s) was not updated: %s; the previous one is unchanged",
            shown(output_dir / "index.html"),
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    from qa_lib import pipeline

    params = resolve_parameters(args)
    try:
        context = pipeline.validate(params)
    except InputError as exc:
        _summarise(params, problems_of(exc), [], args.json, table=isinstance(exc, DataError))
        raise
    _summarise(params, [], context.warnings, args.json)
    print(
        f"{params.quarter}: valid; {len(context.figures_document()['figures'])} figures computed; "
        f"{len(context.warnings)} warning(s)."
    )
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Render a quarter's executed notebook again, without executing it."""
    from qa_lib import pipeline

    folder = Path(args.folder)
    outputs = QuarterOutputs(folder.parent, Quarter.parse(folder.name))
    formats = parse_formats(args.formats) if args.formats else None
    with outputs.locked(), outputs.crashes_recorded():
        result = pipeline.rerender_quarter(outputs, formats)
    print(f"Report for {folder.name} rendered again:")
    for path in result.files:
        print(f"  {shown(path)}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-check a run's outputs and inputs against its manifest, re-execute and re-render it, and compare."""
    from qa_lib import pipeline

    folder = Path(args.folder)
    found = pipeline.verify(folder, args.data_root, args.params, project_root())
    if found.problems:
        print(f"{folder}: NOT reproduced", file=sys.stderr)
        for line in found.problems + found.notes:
            print(f"  - {line}", file=sys.stderr)
        return 1
    figures = f"{found.figures} figures identical"
    names = [f"{n} (its text)" if n.endswith(".docx") else n for n in found.compared if n != "figures.json"]
    if found.notes:
        same = f", and {', '.join(names)} the same on a re-run" if names else ""
        print(
            f"{folder}: inputs unchanged and {figures}{same}; {'these are' if names else 'its rendered outputs are'} "
            f"not compared ({'; '.join(found.reasons)}):"
        )
        for line in found.notes:
            print(f"  - {line}")
    else:
        print(
            f"{folder}: reproduced: outputs as the manifest lists them, inputs unchanged, {figures}, and "
            f"{', '.join(names)} the same on a re-run"
        )
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Run every quarter in a range in parallel worker processes, each isolated."""
    from qa_lib import pipeline

    first, last = Quarter.parse(args.start), Quarter.parse(args.end)
    if last < first:
        raise ParameterError(f"--to {last} is before --from {first}")
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next)
    options = [
        part
        for flag, value in (
            ("--data-root", args.data_root),
            ("--output-dir", args.output_dir),
            ("--framework", args.framework),
            ("--mode", args.mode),
            ("--status", args.status),
            ("--formats", args.formats),
            ("--reference-docx", args.reference_docx),
        )
        if value
        for part in (flag, value)
    ]
    progress = Progress(sys.stderr, quiet=args.quiet or args.verbose)  # -v logs each step instead
    progress.stage(f"running {len(quarters)} quarters")
    output_dir = _cli_path(args.output_dir, "output_dir")
    try:
        results = pipeline.batch(
            quarters,
            [*options, "--no-index"],
            output_dir,
            args.jobs,
            lambda done, running: progress.stage(
                f"quarters done {done}/{len(quarters)}; running {', '.join(running) or 'none'}"
            ),
        )
        progress.stage("writing the index of quarters")
        index = _write_index(output_dir, _cli_path(args.data_root, "data_root"), _cli_path(args.framework, "framework"))
    finally:
        progress.done()
    print(batch_table(results))
    if index is not None:
        print(f"Index of quarters written: {shown(index)}")
    return 0 if all(r.state == "ok" for r in results) else 1


def batch_table(results: list[BatchResult]) -> str:
    """The batch's summary: a row for each quarter, its columns aligned."""
    header = ("quarter", "status", "seconds", "result")
    rows = [(r.quarter, r.state, f"{r.seconds:.1f}", r.reason or f"{shown(r.folder)}/") for r in results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def cmd_new_quarter(args: argparse.Namespace) -> int:
    """Create a quarter's params file and data folder with its data-entry workbook."""
    from qa_lib import pipeline
    from qa_lib.sections.committee import REQUIRED_FOR_FINAL

    quarter = Quarter.parse(args.quarter)  # parse_args took it from either form
    made = pipeline.new_quarter(
        quarter,
        _cli_path(args.data_root, "data_root"),
        _cli_path(args.framework, "framework"),
        args.data_set,
        project_root(),
    )
    if made.data_set is not None:
        print(f"Created {shown(made.data_set)} naming the data set {made.data_set_name!r}.")
    print(
        f"Created {shown(made.params)} and {shown(made.folder)}/ with {made.template.name}, quarter.yaml and "
        f"commentary.md."
    )
    print("Next:")
    print(
        f"  1. Fill in {shown(made.template)} (or put the quarter's CSV files in {shown(made.folder)}/), and save the "
        f"workbook as {quarter}.xlsx there."
    )
    print(
        f"  2. Fill in quarter.yaml (the meeting, its contact) and write commentary.md: each section holds "
        f"{GAP_MARK}, shown as a gap in a draft."
    )
    print(f"  3. qa-report validate --quarter {quarter} --params {shown(made.params)}")
    print(
        f"  4. qa-report run --quarter {quarter} --params {shown(made.params)}  (a draft; --status final for the "
        f"committee, once {', '.join(REQUIRED_FOR_FINAL)} and meeting.contact are written)"
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    """Write the quarter's data-entry workbook."""
    from qa_lib import pipeline

    quarter = Quarter.parse(args.quarter)
    target = (
        Path(args.output) if args.output else _cli_path(args.data_root, "data_root") / str(quarter) / "template.xlsx"
    )
    pipeline.write_template(quarter, target, _cli_path(args.framework, "framework"))
    print(f"Data-entry workbook for {quarter} written: {shown(target)}")
    print(
        f"Fill it in, save it as {quarter}.xlsx in the quarter's folder, then run "
        f"qa-report validate --quarter {quarter}"
    )
    return 0


# The command's defaults (the notebook has its own, for the sample).
DEFAULTS = {name: field.default for name, field in RunParameters.model_fields.items() if name != "quarter"}


def _cli_path(value: str | None, name: str) -> Path:
    """A path from the command line (relative to the working directory), else its default
    (relative to the project root)."""
    return Path(value).absolute() if value else resolve(DEFAULTS[name], project_root())


def _option(parser: argparse.ArgumentParser, name: str) -> None:
    """A command-line option for one run parameter, described as the model describes it."""
    field = RunParameters.model_fields[name]
    flag = {"params_file": "--params"}.get(name, "--" + name.replace("_", "-"))
    default = (
        ""
        if field.default in (None, PydanticUndefined)
        else f" (default {','.join(field.default) if isinstance(field.default, tuple) else field.default})"
    )
    if name == "formats":
        parser.add_argument(
            flag, dest=name, help=f"{field.description}: comma-separated, of {', '.join(FORMATS)}{default}"
        )
        return
    choices = get_args(field.annotation) if get_origin(field.annotation) is Literal else None
    if name == "quarter":  # or the params file's
        default = " (default: the params file's quarter)"
    parser.add_argument(flag, dest=name, choices=choices, help=f"{field.description}{default}")


# What --mode and --status mean to validate, which writes nothing.
VALIDATE_HELP = {
    "mode": "check as for this mode: publication also warns of details in the commentary that could identify "
    "someone (default publication)",
    "status": "check as for this status: final as a paper for the committee, draft as a working copy (default draft)",
}


def _quiet(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="show no progress, only the summary at the end (progress is shown only on a terminal)",
    )


def _command(sub: Any, name: str, helptext: str, func: Any) -> argparse.ArgumentParser:
    cmd = sub.add_parser(name, help=helptext, description=helptext[:1].upper() + helptext[1:] + ".")
    cmd.set_defaults(func=func)
    return cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa-report",
        description=__doc__.splitlines()[0].removeprefix("qa-report: "),
        epilog="Run qa-report <command> --help for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"qa-report {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step as well as warnings")
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="<command>")
    run = _command(sub, "run", "validate, execute the notebook and write the outputs", cmd_run)
    for option in (
        "quarter",
        "data_root",
        "params_file",
        "framework",
        "status",
        "mode",
        "formats",
        "output_dir",
        "reference_docx",
    ):
        _option(run, option)
    _quiet(run)
    run.add_argument(
        "--no-index",
        dest="no_index",
        action="store_true",
        help="leave <output dir>/index.html, the page of every quarter, as it is (batch writes it once at its end)",
    )
    validate = _command(sub, "validate", "check a quarter's parameters and data without running", cmd_validate)
    for option in ("quarter", "data_root", "params_file", "framework"):
        _option(validate, option)
    for option, choices in (("status", ["draft", "final"]), ("mode", ["publication", "internal"])):
        validate.add_argument(f"--{option}", choices=choices, help=VALIDATE_HELP[option])
    validate.add_argument("--json", help="also write every problem to this JSON file")
    template = _command(sub, "template", "write an XLSX data-entry workbook for a quarter", cmd_template)
    template.add_argument("--quarter", required=True, help="financial-year quarter, e.g. 2014-15-Q2")
    template.add_argument(
        "--data-root", dest="data_root", help=f"folder of quarter folders (default {DEFAULTS['data_root']})"
    )
    template.add_argument("--framework", help=f"framework YAML (default {DEFAULTS['framework']})")
    template.add_argument("--output", help="file to write (default <data root>/<quarter>/template.xlsx)")
    render = _command(sub, "render", "render an executed report again without executing it", cmd_render)
    render.add_argument("folder", help="an output folder, e.g. outputs/2013-14-Q4")
    render.add_argument("--formats", help="comma-separated (default: the formats of the run)")
    verify = _command(
        sub, "verify", "re-check a run's inputs, re-execute it and compare (exit 1 if it differs)", cmd_verify
    )
    verify.add_argument("folder", help="an output folder, e.g. outputs/2013-14-Q4")
    verify.add_argument("--params", help="where the run's params file is now (default params/<its name>)")
    verify.add_argument(
        "--data-root", dest="data_root", help="where the run's data root is now, if it lies outside the project"
    )
    batch = _command(sub, "batch", "run every quarter in a range in parallel", cmd_batch)
    batch.add_argument("--from", dest="start", required=True, help="first quarter, e.g. 2013-14-Q1")
    batch.add_argument("--to", dest="end", required=True, help="last quarter, e.g. 2014-15-Q1")
    batch.add_argument("--jobs", type=int, help="worker processes (default: the number of cores)")
    for option in ("data_root", "framework", "status", "mode", "formats", "output_dir", "reference_docx"):
        _option(batch, option)
    _quiet(batch)
    new = _command(
        sub,
        "new-quarter",
        "create a quarter's params file and data folder with its workbook, quarter.yaml and commentary.md to fill in",
        cmd_new_quarter,
    )
    new.add_argument("quarter", nargs="?", help="the quarter, as an alternative to --quarter, e.g. 2014-15-Q2")
    new.add_argument(
        "--quarter", dest="quarter_option", metavar="QUARTER", help="financial-year quarter, e.g. 2014-15-Q2"
    )
    new.add_argument(
        "--data-root", dest="data_root", help=f"folder of quarter folders (default {DEFAULTS['data_root']})"
    )
    new.add_argument("--framework", help=f"framework YAML (default {DEFAULTS['framework']})")
    new.add_argument(
        "--data-set",
        dest="data_set",
        help="name of the data set, written to <data root>/data_set.yaml if the root has none "
        "(default: the data root's folder name)",
    )
    return parser


def _quarter_or_text(text: str) -> Quarter | str:
    try:
        return Quarter.parse(text)
    except QAError:  # refused, with its message, when the command reads it
        return text


def _one_quarter(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """new-quarter takes the quarter as --quarter or, as before, on its own: one of them, or
    both the same."""
    given, option = getattr(args, "quarter", None), getattr(args, "quarter_option", None)
    if given and option and _quarter_or_text(given) != _quarter_or_text(option):
        parser.error(f"new-quarter: the quarter is given twice, as {given} and as --quarter {option}; give it once")
    if not (given or option):
        parser.error("new-quarter: the following arguments are required: --quarter")
    args.quarter = option or given


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, read; usage errors exit 2 with argparse's message."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "new-quarter":
        _one_quarter(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    # The console shows warnings (progress too with -v); run.log records progress regardless.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO if args.verbose else logging.WARNING)
    log.setLevel(logging.INFO if args.verbose else logging.WARNING)
    for noisy in ("fontTools", "papermill"):
        # Their progress and font-subsetting chatter hides the analyst's own warnings.
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return args.func(args)
    except DataError as exc:
        one = len(exc.problems) == 1
        print(
            f"error: {len(exc.problems)} {'problem' if one else 'problems'} in the quarter's data, "
            f"{'' if one else 'the first '}{exc.problems[0].describe()}; fix {'it' if one else 'them'} "
            f"(`qa-report validate` lists every one) and run again",
            file=sys.stderr,
        )
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
        print(
            f"error: qa-report crashed ({type(exc).__name__}: {first}); this is a bug, to report with its "
            f"traceback; the traceback is in {where}",
            file=sys.stderr,
        )
        if args.verbose:
            traceback.print_exception(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
