"""Synthetic data roots for the data-scale benchmark (P3), deterministic.

One quarter (2013-14-Q4) of N case file audits of the framework's first service,
each with a row for each of its practice standards, and feedback in proportion
(one respondent per 100 audits, three answers each), written as CSV or Parquet
with pyarrow. Values are drawn from the framework, so the data validate.

    python bench/make_scale_data.py --audits 100000 --format csv --out /tmp/scale
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from qa_lib.framework import load_framework
from qa_lib.quarter import Quarter

ROOT = Path(__file__).resolve().parents[1]
QUARTER = Quarter.parse("2013-14-Q4")


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.arange(n).astype(str))


def make(out: Path, audits: int, fmt: str, seed: int = 1) -> Path:
    """Write the data root and return its quarter folder."""
    rng = np.random.default_rng(seed)
    fw = load_framework(ROOT / "params" / "framework.yaml")
    service = next(s for s in fw.services if s.standards and fw.scale_for(s.id, QUARTER))
    grades = fw.scale_for(service.id, QUARTER).grade_ids
    days = (QUARTER.end_date - QUARTER.start_date).days + 1
    dates = np.datetime64(QUARTER.start_date) + rng.integers(0, days, audits).astype("timedelta64[D]")
    audit_ids = _ids("A", audits)
    tables = {
        "case_audits": {
            "audit_id": audit_ids,
            "service": np.full(audits, service.id),
            "case_ref": _ids("CR", audits),
            "case_type": rng.choice([c.id for c in fw.case_types], audits),
            "team": np.full(audits, "Team"),
            "team_type": rng.choice([t.id for t in fw.team_types[:3]], audits),
            "audit_date": np.datetime_as_string(dates, unit="D"),
            "auditor_role": rng.choice([r.id for r in fw.auditor_roles], audits),
            "grade": rng.choice(grades, audits),
            "risk_of_harm": rng.choice(["yes", "no"], audits),
        },
        "practice_standards": {
            "audit_id": np.repeat(audit_ids, len(service.standards)),
            "standard_id": np.tile(service.standard_ids, audits),
            "result": rng.choice(
                ["met", "not_met", "not_applicable"], audits * len(service.standards), p=[0.8, 0.15, 0.05]
            ),
        },
    }
    survey = fw.surveys[0]
    respondents = max(1, audits // 100)
    questions = survey.questions[:3]
    n = respondents * len(questions)
    answer_ids = [[a.id for a in fw.answers(q)] for q in questions]
    tables["feedback_responses"] = {
        "response_id": _ids("R", n),
        "survey_id": np.full(n, survey.id),
        "respondent_id": np.repeat(_ids("P", respondents), len(questions)),
        "respondent_type": np.full(n, fw.respondent_types[0].id),
        "respondent_age": np.repeat(rng.integers(6, 18, respondents).astype(str), len(questions)),
        "question_id": np.tile([q.id for q in questions], respondents),
        "answer": np.concatenate([rng.choice(answer_ids[i % len(questions)], 1) for i in range(n)])
        if n < 10_000
        else np.tile([ids[0] for ids in answer_ids], respondents),
    }
    folder = out / str(QUARTER)
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns in tables.items():
        table = pa.table({k: pa.array(v.astype(str)) for k, v in columns.items()})
        if fmt == "csv":
            pacsv.write_csv(table, folder / f"{name}.csv")
        else:
            pq.write_table(table, folder / f"{name}.parquet")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, required=True)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(make(args.out, args.audits, args.format))


if __name__ == "__main__":
    main()
