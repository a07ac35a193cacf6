"""One measurement of the data-scale benchmark, in its own process.

Prints JSON: seconds for the work alone (imports excluded), the process's
resident memory before the work and at its peak.
    python bench/p3_workload.py workbook|floor DATA_ROOT

The floor reads the quarter's files with pyarrow alone: ``pyarrow.csv.read_csv``
for CSV, ``pyarrow.parquet.read_table`` for Parquet.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB.

    The peak is ``VmHWM``, the high-water mark of this program's own memory:
    ``getrusage``'s ``ru_maxrss`` survives ``exec`` on Linux, so it would report
    the benchmark's own parent process whenever that was larger.
    """
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def main() -> None:
    what, data_root = sys.argv[1], Path(sys.argv[2])
    if what == "workbook":
        from qa_lib.framework import load_framework
        from qa_lib.quarter import Quarter
        from qa_lib.context import compute_quarter

        framework = load_framework(Path(__file__).resolve().parents[1] / "params" / "framework.yaml")
        baseline = status_mb("VmRSS")
        began = time.perf_counter()
        result = compute_quarter(data_root, Quarter.parse("2013-14-Q4"), framework)
        assert len(result.frame)
    else:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        baseline = status_mb("VmRSS")
        began = time.perf_counter()
        for path in sorted((data_root / "2013-14-Q4").iterdir()):
            if path.suffix == ".csv":
                pacsv.read_csv(path)
            elif path.suffix == ".parquet":
                pq.read_table(path)
    seconds = time.perf_counter() - began
    peak = status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "baseline_mb": baseline, "peak_mb": peak}))


if __name__ == "__main__":
    main()
