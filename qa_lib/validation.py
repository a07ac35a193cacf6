"""Check a quarter's tables against the data contract and the framework.

The checks are pandera schemas built from the framework, so a service, grade,
standard or answer added to the YAML is accepted without a code change. Every
failure is collected (``lazy=True``) and reported with its rule, file, row,
column and value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from qa_lib.errors import DataError, Problem
from qa_lib.framework import Framework
from qa_lib.frames import joined, map_distinct, positions_in, take
from qa_lib.loading import ROW, TABLES, QuarterData
from qa_lib.quarter import Quarter

PAIR = "|"  # joins two ids into one value for checks that depend on both


@dataclass
class ValidQuarter:
    """A quarter's data after validation, with typed columns.

    ``tables`` holds every table of the data contract: an absent optional table
    is an empty frame with its columns, and ``present`` says which were given.
    """

    quarter: Quarter
    tables: dict[str, pd.DataFrame]
    present: set[str]
    meeting: dict
    populations: dict[str, dict[str, int]]
    commentary: str | None
    commentary_source: str | None
    folder: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def _coded(checks: pa.Check | list[pa.Check], **options) -> pa.Column:
    """A column of few values, held as a categorical: checked by value, not by dtype."""
    return pa.Column(None, checks, **options)


def _isin(values, rule: str, expected: str) -> pa.Check:
    allowed = sorted(set(values))
    return pa.Check.isin(allowed, name=rule, error=expected)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: fromisoformat also takes 20140105


def _iso_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _per_value(test: Callable[[str], bool], name: str, error: str) -> pa.Check:
    """A check of single values, run once per distinct value (dates, ages) and spread over the rows."""
    return pa.Check(lambda series: map_distinct(series, test, bool), name=name, error=error)


def _date_checks(quarter: Quarter) -> list[pa.Check]:
    start, end = quarter.start_date, quarter.end_date

    def parses(text: str) -> bool:
        return _iso_date(text) is not None

    def within(text: str) -> bool:
        parsed = _iso_date(text)
        return parsed is None or start <= parsed <= end

    return [
        _per_value(parses, "bad_date", "a date as YYYY-MM-DD"),
        _per_value(within, "date_outside_quarter", f"a date from {start} to {end}"),
    ]


def _age_ok(text: str) -> bool:
    """Blank, or a whole number 0–25 in ASCII digits (not 12.0, 1e1, or other scripts' digits)."""
    if text == "":
        return True
    return bool(re.fullmatch(r"[0-9]{1,3}", text)) and int(text) <= 25


def _schemas(framework: Framework, quarter: Quarter) -> dict[str, pa.DataFrameSchema]:
    service_grades = set()
    for service in framework.services:
        scale = framework.scale_for(service.id, quarter)
        service_grades.add(f"{service.id}{PAIR}")
        for grade in scale.grade_ids if scale else []:
            service_grades.add(f"{service.id}{PAIR}{grade}")
    service_standards = {f"{s.id}{PAIR}{std}" for s in framework.services for std in s.standard_ids}
    question_answers = {
        f"{survey.id}{PAIR}{q.id}{PAIR}{a.id}"
        for survey, q in framework.iter_questions() for a in framework.answers(q)
    }
    survey_questions = {f"{survey.id}{PAIR}{q.id}" for survey, q in framework.iter_questions()}
    respondent_types = [r.id for r in framework.respondent_types]

    def filled(column: str) -> pa.Check:
        return pa.Check.str_length(min_value=1, name="blank_value", error=f"a value in {column}")

    def nonblank(column: str) -> pa.Column:
        return pa.Column(str, filled(column))

    def nonblank_id(column: str) -> pa.Column:
        return pa.Column(str, filled(column), unique=True, report_duplicates="exclude_first")

    yes_no_blank = _isin(["yes", "no", ""], "bad_yes_no", "yes, no or blank")
    grade_on_scale = f"a grade on that service's scale for {quarter}, or blank"
    return {
        "case_audits": pa.DataFrameSchema(
            {
                "audit_id": pa.Column(str, pa.Check.str_length(min_value=1, name="blank_value", error="an audit id")),
                # Where each audit id first appears: a later row with it repeats it. (Not
                # unique=True: the one hash of the audit ids also serves the standards.)
                "_first_row": pa.Column("int32", pa.Check(lambda first: first == np.arange(len(first)),
                                                          name="duplicate_id",
                                                          error="a value not used on an earlier row")),
                "service": _coded(_isin(framework.service_ids, "unknown_service",
                                        "a service of the framework: " + ", ".join(framework.service_ids))),
                "case_ref": nonblank("case_ref"),
                "case_type": _coded(_isin([o.id for o in framework.case_types], "unknown_case_type",
                                          "a case type of the framework")),
                "team": _coded(_per_value(lambda v: v != "", "blank_value", "a value in team")),
                "team_type": _coded(_isin([o.id for o in framework.team_types], "unknown_team_type",
                                          "a team type of the framework")),
                "audit_date": _coded(_date_checks(quarter)),
                "auditor_role": _coded(_isin([o.id for o in framework.auditor_roles], "unknown_auditor_role",
                                             "an auditor role of the framework")),
                "_service_grade": _coded(_isin(service_grades, "grade_not_on_scale", grade_on_scale)),
                "_service_moderated_grade": _coded(_isin(service_grades, "grade_not_on_scale", grade_on_scale),
                                                   required=False),
                "risk_of_harm": _coded(yes_no_blank, required=False),
                "agency": pa.Column(str, required=False),
            },
            strict=False,
        ),
        "practice_standards": pa.DataFrameSchema(
            {
                # The row of each audit id in case_audits, -1 where it has none: one hash
                # lookup, shared with the standard's service (not Check.isin, which would
                # copy every audit id into the schema).
                "_audit_row": pa.Column("int32", pa.Check.ge(0, name="unknown_audit_id",
                                                             error="an audit_id listed in case_audits")),
                "_service_standard": _coded(_isin(service_standards, "unknown_standard",
                                                  "a practice standard of the audit's service")),
                "result": _coded(_isin(["met", "not_met", "not_applicable"], "bad_result",
                                       "met, not_met or not_applicable")),
            },
        ),
        "feedback_responses": pa.DataFrameSchema(
            {
                "response_id": nonblank_id("response_id"),
                "survey_id": _coded(_isin([s.id for s in framework.surveys], "unknown_survey",
                                          "a survey of the framework")),
                "respondent_id": nonblank("respondent_id"),
                "respondent_type": _coded(_isin(respondent_types, "unknown_respondent_type",
                                                "a respondent type of the framework")),
                "respondent_age": _coded(_per_value(_age_ok, "bad_age", "a whole number from 0 to 25, or blank"),
                                         required=False),
                "_survey_question": _coded(_isin(survey_questions, "unknown_question", "a question of that survey")),
                "_survey_question_answer": _coded(_isin(question_answers, "answer_not_in_set",
                                                        "an answer in that question's answer set")),
            },
            unique=["survey_id", "respondent_id", "question_id"],
            report_duplicates="exclude_first",
        ),
        "feedback_quotes": pa.DataFrameSchema(
            {
                "quote_id": nonblank_id("quote_id"),
                "survey_id": _coded(_isin([s.id for s in framework.surveys], "unknown_survey",
                                          "a survey of the framework")),
                "respondent_type": _coded(_isin(respondent_types, "unknown_respondent_type",
                                                "a respondent type of the framework")),
                "age_band": _coded(_isin([b.id for b in framework.quote_age_bands] + [""],
                                         "unknown_age_band", "an age band of the framework, or blank"),
                                   required=False),
                "theme": _coded(_isin([t.id for t in framework.quote_themes], "unknown_theme",
                                      "a quote theme of the framework")),
                "kind": _coded(_isin(["positive", "improvement"], "bad_kind", "positive or improvement")),
                "text": nonblank("text"),
                "approved": _coded(_isin(["yes", "no"], "bad_yes_no", "yes or no")),
            }
        ),
        "engagement": pa.DataFrameSchema(
            {
                "activity_id": nonblank_id("activity_id"),
                "activity_date": _coded(_date_checks(quarter)),
                "activity_type": _coded(_isin([o.id for o in framework.engagement.activity_types],
                                              "unknown_activity_type", "an activity type of the framework")),
                "participant_role": _coded(_isin([o.id for o in framework.engagement.participant_roles],
                                                 "unknown_participant_role", "a participant role of the framework")),
                "location_type": _coded(_isin([o.id for o in framework.engagement.location_types],
                                              "unknown_location_type", "a location type of the framework")),
                "description": nonblank("description"),
            }
        ),
    }


# Helper columns join ids so one isin check covers a value that depends on
# another column; problems are reported against the real column.
_HELPERS = {
    "_first_row": ("audit_id", ()),  # these two made in validate_quarter
    "_audit_row": ("audit_id", ()),
    "_service_grade": ("grade", ("service", "grade")),
    "_service_moderated_grade": ("moderated_grade", ("service", "moderated_grade")),
    "_service_standard": ("standard_id", ("service", "standard_id")),
    "_survey_question": ("question_id", ("survey_id", "question_id")),
    "_survey_question_answer": ("answer", ("survey_id", "question_id", "answer")),
}


def _add_helpers(frame: pd.DataFrame) -> pd.DataFrame:
    helpers = {helper: joined([frame[p] for p in parts], PAIR)
               for helper, (_, parts) in _HELPERS.items() if parts and all(p in frame for p in parts)}
    return frame.assign(**helpers)


# Columns a validated table carries beside its own: each practice standard's audit's
# service and team type, found while checking its audit id, so measures need not look again.
_CARRIED = {"practice_standards": ("service", "team_type")}


def _audit_rows(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Where each audit id of case_audits and of practice_standards first appears in
    case_audits, -1 for nowhere: one hash of the audit ids serves the check that they
    are unique, the check of each standard's audit, and the standard's service."""
    audits = tables.get("case_audits")
    if audits is None or "audit_id" not in audits:
        return {}
    standards = tables.get("practice_standards")
    if standards is None or "audit_id" not in standards:
        return {"case_audits": positions_in(audits["audit_id"])[0]}
    own, listed = positions_in(audits["audit_id"], standards["audit_id"])
    return {"case_audits": own, "practice_standards": listed}


def _audit_columns(standards: pd.DataFrame, audits: pd.DataFrame, at: np.ndarray) -> dict[str, pd.Series]:
    """``_audit_row`` (-1 for an unknown audit id) and the audit's service and team type."""
    columns: dict[str, pd.Series] = {"_audit_row": pd.Series(at, index=standards.index)}
    for column in ("service", "team_type"):
        source = audits[column] if column in audits else pd.Series("", index=audits.index, dtype=str)
        columns[column] = take(source, at, standards.index)
    return columns


def _problems_from(errors: SchemaErrors, frame: pd.DataFrame, source: str,
                   explain: dict[str, Callable[[pd.Series], str | None]]) -> list[Problem]:
    problems = []
    for case in errors.failure_cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        rule = str(case.check)
        value = None if pd.isna(case.failure_case) else str(case.failure_case)
        index = case.index
        row = None
        if index is not None and not pd.isna(index) and int(index) in frame.index:
            row = int(frame.at[int(index), ROW])
        expected = rule
        if column in _HELPERS:
            helper = column
            column = _HELPERS[helper][0]
            if row is not None:
                value = frame.at[int(index), column]
                if helper in explain:
                    expected = explain[helper](frame.loc[int(index)])
                    if expected is None:  # follows from a problem reported on another column
                        continue
        if rule.startswith("column_in_dataframe") or rule == "column_in_schema":
            problems.append(Problem("missing_column", source, 1, value, None, "this required column"))
            continue
        if rule.startswith("field_uniqueness") or rule == "unique":
            rule, expected = "duplicate_id", "a value not used on an earlier row"
        elif rule.startswith("multiple_fields_uniqueness"):
            rule, expected = "duplicate_answer", "one answer per respondent and question"
        else:
            rule = _rule_names.get(rule, rule)
        problems.append(Problem(rule, source, row, column, value, expected))
    return problems


_rule_names: dict[str, str] = {}


def _register(schemas: dict[str, pa.DataFrameSchema]) -> None:
    # pandera reports a check by its error text; keep the rule code beside it.
    for schema in schemas.values():
        for column in schema.columns.values():
            for check in column.checks:
                if check.error:
                    _rule_names[check.error] = check.name


def _explainers(framework: Framework, quarter: Quarter) -> dict[str, Callable[[pd.Series], str | None]]:
    """Per-row expectations for checks that depend on another column; ``None``
    when the other column is itself wrong (reported once, there)."""
    def grade(row: pd.Series) -> str | None:
        if row["service"] not in framework.service_ids:
            return None
        scale = framework.scale_for(row["service"], quarter)
        if scale is None:
            return f"blank: service {row['service']} does not grade audits in {quarter}"
        return f"one of {', '.join(scale.grade_ids)} (the {row['service']} scale in {quarter}), or blank"

    def standard(row: pd.Series) -> str | None:
        service = row.get("service", "")
        if service not in framework.service_ids:
            return None
        ids = framework.service(service).standard_ids
        return (f"one of {', '.join(ids)} (standards of service {service})" if ids
                else f"no practice standards: service {service} has none in the framework")

    questions = {(s.id, q.id): q for s, q in framework.iter_questions()}
    surveys = {s.id: s for s in framework.surveys}

    def question(row: pd.Series) -> str | None:
        survey = surveys.get(row["survey_id"])
        if survey is None:
            return None
        return f"one of {', '.join(q.id for q in survey.questions)} (questions of survey {survey.id})"

    def answer(row: pd.Series) -> str | None:
        asked = questions.get((row["survey_id"], row["question_id"]))
        if asked is None:
            return None
        return f"one of {', '.join(a.id for a in framework.answers(asked))}"

    return {"_service_grade": grade, "_service_moderated_grade": grade, "_service_standard": standard,
            "_survey_question": question, "_survey_question_answer": answer}


def validate_quarter(data: QuarterData, framework: Framework) -> ValidQuarter:
    """Validate every table of a quarter, reporting all problems at once.

    Raises
    ------
    DataError
        Listing each problem with rule, file, row, column, value and expectation.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    audits = data.tables.get("case_audits", pd.DataFrame(columns=[ROW]))
    schemas = _schemas(framework, data.quarter)
    audit_rows = _audit_rows(data.tables)
    audits_usable = all(c in audits for c in TABLES["case_audits"].required)
    _register(schemas)
    typed: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        typed[name] = pd.DataFrame({c: pd.Series(dtype=str)
                                    for c in (ROW, *spec.required, *spec.optional, *_CARRIED.get(name, ()))})
        if name not in data.tables:
            continue
        frame = data.tables[name]
        source = data.sources[name]
        missing = [c for c in spec.required if c not in frame]
        for column in missing:
            problems.append(Problem("missing_column", source, 1, column, None, "this required column"))
        extra = [c for c in frame.columns if c != ROW and c not in spec.required + spec.optional]
        for column in extra:
            warnings.append(Problem("extra_column", source, 1, column, None,
                                    "only the columns of the data contract (this one is ignored)", "warning"))
        if missing:
            continue
        if name == "practice_standards" and not audits_usable:
            continue  # each standard's audit cannot be looked up: one problem, in case_audits, not thousands
        if name == "case_audits":
            frame = frame.assign(_first_row=audit_rows["case_audits"])
        if name == "practice_standards":
            unknown = np.full(len(frame), -1, dtype=np.int32)
            frame = frame.assign(**_audit_columns(frame, audits, audit_rows.get(name, unknown)))
        checked = _add_helpers(frame)
        try:
            schemas[name].validate(checked, lazy=True, inplace=True)  # a frame of our own: no copy
        except SchemaErrors as errors:
            problems.extend(_problems_from(errors, frame, source, _explainers(framework, data.quarter)))
        for column in spec.optional:
            if column not in frame:
                frame = frame.assign(**{column: ""})
        typed[name] = frame[[ROW, *spec.required, *spec.optional, *_CARRIED.get(name, ())]]
    problems.extend(_population_problems(data, framework, typed))
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "")))
    return ValidQuarter(
        quarter=data.quarter,
        tables=_typed(typed),
        present=set(data.tables),
        meeting=data.meeting,
        populations=data.populations,
        commentary=data.commentary,
        commentary_source=data.commentary_source,
        folder=data.folder,
        sources=data.sources,
        warnings=data.warnings + warnings,
    )


def _population_problems(data: QuarterData, framework: Framework,
                         typed: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    shown = f"{data.folder}/quarter.yaml"
    audits = typed["case_audits"]
    for service, population in data.populations.get("audits", {}).items():
        if service not in framework.service_ids:
            problems.append(Problem("unknown_service", shown, None, "populations.audits", service,
                                    "a service of the framework"))
            continue
        sampled = int((audits["service"] == service).sum())
        if population < sampled:
            problems.append(Problem("population_too_small", shown, None, f"populations.audits.{service}",
                                    str(population), f"at least the {sampled} audits in case_audits"))
    responses = typed["feedback_responses"]
    for survey, population in data.populations.get("feedback", {}).items():
        if survey not in {s.id for s in framework.surveys}:
            problems.append(Problem("unknown_survey", shown, None, "populations.feedback", survey,
                                    "a survey of the framework"))
            continue
        sampled = responses.loc[responses["survey_id"] == survey, "respondent_id"].nunique()
        if population < sampled:
            problems.append(Problem("population_too_small", shown, None, f"populations.feedback.{survey}",
                                    str(population), f"at least the {sampled} respondents in feedback_responses"))
    return problems


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give validated text columns their types (dates and ages parsed once per distinct value)."""
    out = dict(tables)
    out["case_audits"] = out["case_audits"].assign(
        audit_date=map_distinct(out["case_audits"]["audit_date"], _iso_date, object))
    responses = out["feedback_responses"]
    out["feedback_responses"] = responses.assign(
        respondent_age=pd.to_numeric(responses["respondent_age"].astype(str).replace("", None)))
    out["engagement"] = out["engagement"].assign(
        activity_date=map_distinct(out["engagement"]["activity_date"], _iso_date, object))
    return out
