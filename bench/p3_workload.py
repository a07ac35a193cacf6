"""One measurement of the data-scale benchmark, in its own process.

Prints JSON: seconds for the work alone (imports excluded), the process's
resident memory before the work and at its peak.
    python bench/p3_workload.py workbook|floor DATA_ROOT
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    what, data_root = sys.argv[1], Path(sys.argv[2])
    if what == "workbook":
        from qa_lib.framework import load_framework
        from qa_lib.quarter import Quarter
        from qa_lib.report import compute_quarter

        framework = load_framework(Path(__file__).resolve().parents[1] / "params" / "framework.yaml")
        baseline = rss_mb()
        began = time.perf_counter()
        result = compute_quarter(data_root, Quarter.parse("2013-14-Q4"), framework)
        assert result.figures
    else:
        import pyarrow.csv as pacsv

        baseline = rss_mb()
        began = time.perf_counter()
        for path in sorted((data_root / "2013-14-Q4").glob("*.csv")):
            pacsv.read_csv(path)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "baseline_mb": baseline, "peak_mb": peak}))


if __name__ == "__main__":
    main()
