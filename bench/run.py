"""`make bench`: the workbook's speed as ratios against floors measured in the same run.

Each figure is the median of at least three runs, the measured command and its
floor alternating, so that load on a shared machine falls on both alike. Prints
a table and writes bench/results.json.

    python bench/run.py [--repeats 3] [--sizes 10000,100000,1000000,2000000] [--only P1,P2,P3,P4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = sys.executable
QUARTER = "2013-14-Q4"
FIVE = ["2013-14-Q1", "2013-14-Q2", "2013-14-Q3", "2013-14-Q4", "2014-15-Q1"]


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def alternate(measured, floor, repeats: int) -> tuple[float, float]:
    """Medians of ``measured`` and ``floor``, run one after the other ``repeats`` times."""
    a, b = [], []
    for _ in range(repeats):
        a.append(measured())
        b.append(floor())
    return statistics.median(a), statistics.median(b)


def papermill_floor(tmp: Path) -> float:
    return timed([PY, "-m", "papermill", str(BENCH / "one_cell.ipynb"), str(tmp / "floor.ipynb"), "--no-progress-bar"])


def p1(tmp: Path, repeats: int) -> dict:
    out = tmp / "p1"
    run = [PY, "-m", "qa_lib.cli", "run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)]
    measured, floor = alternate(lambda: timed(run), lambda: papermill_floor(tmp), repeats)
    return {
        "name": "P1 full quarter (run, HTML, PDF, figures)",
        "seconds": measured,
        "floor_seconds": floor,
        "floor": "papermill on a one-cell notebook",
        "ratio": measured / floor,
        "target": 3.0,
        "moonshot": 2.5,
    }


def p2(tmp: Path, repeats: int) -> dict:
    out = tmp / "p2"
    timed([PY, "-m", "qa_lib.cli", "run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)])
    render = [PY, "-m", "qa_lib.cli", "render", str(out / QUARTER)]
    measured, floor = alternate(lambda: timed(render), lambda: papermill_floor(tmp), repeats)
    return {
        "name": "P2 re-render (HTML, PDF) without executing",
        "seconds": measured,
        "floor_seconds": floor,
        "floor": "papermill on a one-cell notebook",
        "ratio": measured / floor,
        "target": 1.0,
        "moonshot": 0.8,
    }


# The paper's sections and metadata, read from an executed notebook into one JSON file.
PAPER_JSON = """import json, sys, nbformat
from qa_lib.pipeline import paper_of
paper = paper_of(nbformat.read(sys.argv[1], as_version=4))
json.dump({"sections": [s.to_json() for s in paper.sections], "meta": paper.meta}, open(sys.argv[2], "w"))"""
# The PDF step alone: the paper from that file, laid out and written by the PDF exporter (Typst).
PDF_STEP = """import json, sys
from pathlib import Path
from qa_lib.exporters import pdf
from qa_lib.paper import SectionOutput, assemble
data = json.load(open(sys.argv[1]))
pdf.write(assemble([SectionOutput.from_json(s) for s in data["sections"]], data["meta"]), {}, Path(sys.argv[2]))"""


def parts(tmp: Path, repeats: int) -> list[dict]:
    """Parts of P1 and P2 alone, each in a fresh process, against the same floor: the
    kernel's warm-up imports (the workbook, pandas, pandera); those with every library the
    paper then imports (scipy.stats for the Fisher tests, matplotlib for the charts); the
    notebook's code in one plain process (bench/notebook_in_process.py: no Jupyter, nothing
    written, earlier quarters computed from the data as P1's are); and the PDF step (import
    the exporter and Typst, read the paper's data, lay it out and write the PDF)."""
    out = tmp / "parts"
    timed([PY, "-m", "qa_lib.cli", "run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)])
    timed([PY, "-c", PAPER_JSON, str(out / QUARTER / "report.ipynb"), str(tmp / "paper.json")])
    imports = [PY, "-c", "import qa_lib.context, qa_lib.sections"]
    libraries = [PY, "-c", "import qa_lib.context, qa_lib.sections, scipy.stats, qa_lib.charts"]
    (tmp / "no-outputs").mkdir()
    in_process = [PY, str(BENCH / "notebook_in_process.py"), QUARTER, "data/sample", str(tmp / "no-outputs")]
    pdf_step = [PY, "-c", PDF_STEP, str(tmp / "paper.json"), str(tmp / "alone.pdf")]
    rows = []
    for name, command in (
        ("P1 part: the kernel's imports (import qa_lib.context, qa_lib.sections)", imports),
        ("P1 part: those and the paper's other libraries (scipy.stats, charts)", libraries),
        ("P1 part: the notebook's code in one process (no Jupyter, no outputs)", in_process),
        ("P1, P2 part: the PDF step alone (Typst, from the paper's data)", pdf_step),
    ):
        measured, floor = alternate(lambda c=command: timed(c), lambda: papermill_floor(tmp), repeats)
        rows.append(
            {
                "name": name,
                "seconds": measured,
                "floor_seconds": floor,
                "floor": "papermill on a one-cell notebook",
                "ratio": measured / floor,
                "target": None,
            }
        )
    return rows


def workload(what: str, root: Path) -> dict:
    done = subprocess.run(
        [PY, str(BENCH / "p3_workload.py"), what, str(root)], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def p3(tmp: Path, repeats: int, sizes: list[int]) -> list[dict]:
    """Each size as CSV (the measure with targets) and as Parquet (for the record): the
    growth of peak memory is against the CSV files' size in both, as the issue states it."""
    sys.path.insert(0, str(BENCH))
    from make_scale_data import make

    rows = []
    for size in sizes:
        csv_mb = 0.0
        for fmt in ("csv", "parquet"):
            root = tmp / f"scale-{size}-{fmt}"
            folder = make(root, size, fmt)
            size_mb = sum(p.stat().st_size for p in folder.glob(f"*.{fmt}")) / 2**20
            csv_mb = csv_mb or size_mb
            work, floor = [], []
            for _ in range(repeats):
                work.append(workload("workbook", root))
                floor.append(workload("floor", root))
            seconds = statistics.median(w["seconds"] for w in work)
            floor_seconds = statistics.median(f["seconds"] for f in floor)
            growth = statistics.median(w["peak_mb"] - w["baseline_mb"] for w in work)
            label = "CSV" if fmt == "csv" else "Parquet"
            rows.append(
                {
                    "name": f"P3 load, validate, compute: {size:,} audits ({label} {size_mb:.0f} MB)",
                    "audits": size,
                    "format": fmt,
                    "seconds": seconds,
                    "floor_seconds": floor_seconds,
                    "floor": "pyarrow.csv.read_csv" if fmt == "csv" else "pyarrow.parquet.read_table",
                    "ratio": seconds / floor_seconds,
                    "target": 4.0 if size == max(sizes) and fmt == "csv" else None,
                    "rss_growth_mb": growth,
                    "rss_growth_per_csv_mb": growth / csv_mb,
                    "rss_target": 4.0 if size == max(sizes) and fmt == "csv" else None,
                }
            )
            shutil.rmtree(root)
    by_size = {r["audits"]: r for r in rows if r["format"] == "csv"}
    if 2_000_000 in by_size and 1_000_000 in by_size:
        rows.append(
            {
                "name": "P3 growth 2M / 1M audits",
                "ratio": by_size[2_000_000]["seconds"] / by_size[1_000_000]["seconds"],
                "target": 2.2,
            }
        )
    return rows


def p4(tmp: Path, repeats: int) -> dict:
    def batch() -> float:
        return timed(
            [
                PY,
                "-m",
                "qa_lib.cli",
                "batch",
                "--from",
                FIVE[0],
                "--to",
                FIVE[-1],
                "--data-root",
                "data/sample",
                "--output-dir",
                str(tmp / "p4-batch"),
            ]
        )

    def sequence() -> float:
        return sum(
            timed(
                [
                    PY,
                    "-m",
                    "qa_lib.cli",
                    "run",
                    "--quarter",
                    q,
                    "--data-root",
                    "data/sample",
                    "--output-dir",
                    str(tmp / "p4-seq"),
                ]
            )
            for q in FIVE
        )

    measured, floor = alternate(batch, sequence, repeats)
    return {
        "name": "P4 batch of five quarters",
        "seconds": measured,
        "floor_seconds": floor,
        "floor": "five single runs in sequence",
        "ratio": measured / floor,
        "target": 0.75,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000,1000000,2000000")
    parser.add_argument("--only", default="P1,P2,P3,P4")
    args = parser.parse_args()
    if args.repeats < 3:
        parser.error("at least 3 alternating runs make a median worth reporting")
    only = set(args.only.split(","))
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if "P1" in only:
            rows.append(p1(tmp, args.repeats))
        if "P2" in only:
            rows.append(p2(tmp, args.repeats))
            rows += parts(tmp, args.repeats)
        if "P3" in only:
            rows += p3(tmp, args.repeats, [int(s) for s in args.sizes.split(",")])
        if "P4" in only:
            rows.append(p4(tmp, args.repeats))
    for row in rows:
        row["meets_target"] = None if row.get("target") is None else row["ratio"] <= row["target"]
        if row.get("rss_target") is not None:
            row["rss_meets_target"] = row["rss_growth_per_csv_mb"] <= row["rss_target"]
    result = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "repeats": args.repeats,
        "measured": time.strftime("%Y-%m-%d"),
        "results": rows,
    }
    (BENCH / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<62} {'seconds':>8} {'floor':>8} {'ratio':>7} {'target':>7}  met")
    for row in rows:
        target = "" if row.get("target") is None else f"{row['target']:.2f}"
        met = "" if row["meets_target"] is None else ("yes" if row["meets_target"] else "no")
        print(
            f"{row['name']:<62} {row.get('seconds', float('nan')):8.2f} {row.get('floor_seconds', float('nan')):8.2f} "
            f"{row['ratio']:7.2f} {target:>7}  {met}"
        )
        if "rss_growth_mb" in row:
            target = "" if row.get("rss_target") is None else f"{row['rss_target']:.2f}"
            met = "" if row.get("rss_target") is None else ("yes" if row["rss_meets_target"] else "no")
            print(
                f"{'   peak RSS growth (MB) / CSV size (MB)':<62} {row['rss_growth_mb']:8.0f} {'':>8} "
                f"{row['rss_growth_per_csv_mb']:7.2f} {target:>7}  {met}"
            )
    print(
        f"written to {(BENCH / 'results.json').relative_to(ROOT)} (cpu_count {os.cpu_count()}, "
        f"Python {platform.python_version()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
