"""The report notebook's code run in one plain Python process: no Jupyter, no outputs written.

A part of P1 for `make bench`: what executing the paper costs before papermill, the kernel's
messages and the rendering are added. Each code cell runs in order, the parameters given
here in place of the parameters cell's, and the value a cell ends with is turned into what
Jupyter would display (its MIME bundle), as the kernel would.

    python bench/notebook_in_process.py QUARTER DATA_ROOT OUTPUT_DIR
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.ipynb"


def shown(value: object) -> object:
    """What Jupyter's display of ``value`` computes."""
    for method in ("_repr_mimebundle_", "_repr_html_"):
        if hasattr(value, method):
            return getattr(value, method)()
    return repr(value)


def main(quarter: str, data_root: str, output_dir: str) -> None:
    os.chdir(ROOT)
    os.environ["QA_PROJECT_ROOT"] = str(ROOT)
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "parameters" in cell["metadata"].get("tags", []):
            exec(source, namespace)  # the defaults, then the run's values over them, as papermill does
            namespace.update(quarter=quarter, data_root=data_root, output_dir=output_dir)
            continue
        body = ast.parse(source).body
        last = body.pop() if body and isinstance(body[-1], ast.Expr) else None
        exec(compile(ast.Module(body=body, type_ignores=[]), "cell", "exec"), namespace)
        if last is not None:
            shown(eval(compile(ast.Expression(last.value), "cell", "eval"), namespace))


if __name__ == "__main__":
    main(*sys.argv[1:4])
