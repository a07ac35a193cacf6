"""The measures on small hand-built frames, against figures worked out by hand: each
section's figure rows, as the typed table and as figures.json writes them."""

import math

import pandas as pd
import pytest

from qa_lib import figures as F
from qa_lib.measures import quarter_figures
from qa_lib.quarter import Quarter
from qa_lib.sections.audits import audit_rows, standards_rows
from qa_lib.sections.engagement import engagement_rows
from qa_lib.sections.feedback import feedback_rows
from qa_lib.validation import ValidQuarter

from helpers import audit_row

Q4 = Quarter.parse("2013-14-Q4")
Q1_NEXT = Quarter.parse("2014-15-Q1")


def audit_figures(frame, framework, quarter, populations):
    return F.to_keys(F.table(audit_rows(frame, framework, quarter, populations), str(quarter)))


def standards_figures(results, frame, framework):
    return F.to_keys(F.table(standards_rows(results, frame, framework), "2013-14-Q4"))


def feedback_figures(responses, framework, populations):
    return F.to_keys(F.table(feedback_rows(responses, framework, populations), "2013-14-Q4"))


def engagement_figures(frame, framework):
    return F.to_keys(F.table(engagement_rows(frame, framework), "2013-14-Q4"))


def audits(*rows):
    frame = pd.DataFrame(list(rows))
    for column in ("risk_of_harm", "moderated_grade", "agency"):
        if column not in frame:
            frame[column] = ""
    return frame


def graded_service(framework, quarter=Q4):
    """The first service of the framework with a scale in ``quarter``, and that scale."""
    for service in framework.services:
        scale = framework.scale_for(service.id, quarter)
        if scale is not None and scale.bands:
            return service, scale
    raise AssertionError("the sample framework has a graded service")


def test_grade_and_band_shares_are_of_graded_audits(framework):
    service, scale = graded_service(framework)
    best, worst = scale.grades[0].id, scale.grades[-1].id
    frame = audits(
        audit_row("1", service.id, best),
        audit_row("2", service.id, best),
        audit_row("3", service.id, worst),
        audit_row("4", service.id, ""),
    )
    figures = audit_figures(frame, framework, Q4, {})
    key = f"audits.{service.id}"
    assert figures[f"{key}.count"] == 4
    assert figures[f"{key}.graded"] == 3
    assert figures[f"{key}.grade.{best}.count"] == 2
    assert figures[f"{key}.grade.{best}.pct"] == pytest.approx(200 / 3)
    assert figures[f"{key}.grade.{worst}.pct"] == pytest.approx(100 / 3)
    band = next(b for b in scale.bands if best in b.grades and worst not in b.grades)
    assert figures[f"{key}.band.{band.id}.count"] == 2
    assert f"{key}.sample_pct" not in figures  # no population given


def test_exact_unrounded_percentages(framework):
    service, scale = graded_service(framework)
    good = scale.band(scale.headline_band).grades[0]
    worst = scale.grades[-1].id
    rows = [audit_row(str(i), service.id, good if i < 262 else worst) for i in range(320)]
    figures = audit_figures(audits(*rows), framework, Q4, {})
    assert figures[f"audits.{service.id}.band.{scale.headline_band}.pct"] == 81.875


def test_a_service_with_no_audits_has_counts_but_no_percentages(framework):
    service, scale = graded_service(framework)
    other = next(s for s in framework.services if s.id != service.id)
    figures = audit_figures(audits(audit_row("1", other.id, "")), framework, Q4, {})
    key = f"audits.{service.id}"
    assert figures[f"{key}.count"] == 0 and figures[f"{key}.graded"] == 0
    assert not any(k.startswith(key) and k.endswith(".pct") for k in figures)
    assert not any(isinstance(v, float) and math.isnan(v) for v in figures.values())


def test_sample_pct_and_risk_of_harm(framework):
    service, scale = graded_service(framework)
    frame = audits(
        audit_row("1", service.id, scale.grades[0].id, risk_of_harm="no"),
        audit_row("2", service.id, scale.grades[-1].id, risk_of_harm="yes"),
        audit_row("3", service.id, scale.grades[-1].id, risk_of_harm=""),
    )
    figures = audit_figures(frame, framework, Q4, {service.id: 8})
    assert figures[f"audits.{service.id}.sample_pct"] == 100 * 3 / 8
    assert figures[f"audits.{service.id}.risk_of_harm.count"] == 1


def test_risk_of_harm_absent_when_never_recorded(framework):
    service, scale = graded_service(framework)
    figures = audit_figures(audits(audit_row("1", service.id, scale.grades[0].id)), framework, Q4, {})
    assert f"audits.{service.id}.risk_of_harm.count" not in figures


def test_ungraded_service_has_no_grade_keys(framework):
    ungraded = next(s for s in framework.services if framework.scale_for(s.id, Q4) is None)
    figures = audit_figures(audits(audit_row("1", ungraded.id, ""), audit_row("2", ungraded.id, "")), framework, Q4, {})
    assert figures[f"audits.{ungraded.id}.count"] == 2
    assert figures[f"audits.{ungraded.id}.graded"] == 0
    assert not any(k.startswith(f"audits.{ungraded.id}.grade.") for k in figures)


def test_same_service_uses_the_scale_of_its_quarter(framework):
    ungraded = next(s for s in framework.services if framework.scale_for(s.id, Q4) is None)
    scale = framework.scale_for(ungraded.id, Q1_NEXT)
    frame = audits(audit_row("1", ungraded.id, scale.grades[0].id, date="2014-05-01"))
    figures = audit_figures(frame, framework, Q1_NEXT, {})
    assert figures[f"audits.{ungraded.id}.grade.{scale.grades[0].id}.pct"] == 100


def test_standards_applicable_excludes_not_applicable_and_splits_by_team_type(framework):
    service = next(s for s in framework.services if s.standards)
    standard = service.standards[0].id
    frame = audits(
        audit_row("1", service.id, "", team_type="fieldwork"),
        audit_row("2", service.id, "", team_type="fieldwork"),
        audit_row("3", service.id, "", team_type="looked_after"),
        audit_row("4", service.id, "", team_type="looked_after"),
    )
    # As validated: each row carries its audit's service and team type.
    results = pd.DataFrame(
        {
            "audit_id": ["1", "2", "3", "4"],
            "standard_id": [standard] * 4,
            "result": ["met", "not_met", "not_met", "not_applicable"],
            "service": [service.id] * 4,
            "team_type": ["fieldwork", "fieldwork", "looked_after", "looked_after"],
        }
    )
    figures = standards_figures(results, frame, framework)
    key = f"standards.{service.id}.{standard}"
    assert figures[f"{key}.applicable"] == 3
    assert figures[f"{key}.met.pct"] == pytest.approx(100 / 3)
    assert figures[f"{key}.not_met.count"] == 2
    assert figures[f"{key}.team_type.fieldwork.not_met.pct"] == 50
    assert figures[f"{key}.team_type.looked_after.applicable"] == 1
    assert figures[f"{key}.team_type.looked_after.not_met.pct"] == 100
    # A standard with no rows applies to no case: counts, no percentages.
    other = service.standards[1].id
    assert figures[f"standards.{service.id}.{other}.applicable"] == 0
    assert f"standards.{service.id}.{other}.met.pct" not in figures


def test_feedback_shares_are_of_those_who_answered(framework):
    survey = framework.surveys[0]
    question = survey.questions[0]
    positive = question.positive[0]
    other = next(a.id for a in framework.answers(question) if a.id not in question.positive)
    responses = pd.DataFrame(
        {
            "survey_id": [survey.id] * 4,
            "respondent_id": ["a", "b", "c", "a"],
            "respondent_type": ["child"] * 4,
            "respondent_age": [9, 15, None, 9],
            "question_id": [question.id, question.id, question.id, survey.questions[1].id],
            "answer": [positive, positive, other, positive],
        }
    )
    figures = feedback_figures(responses, framework, {survey.id: 30})
    key = f"feedback.{survey.id}"
    assert figures[f"{key}.respondents"] == 3
    assert figures[f"{key}.sample_pct"] == 10
    assert (figures[f"{key}.age.min"], figures[f"{key}.age.max"]) == (9, 15)
    assert figures[f"{key}.{question.id}.answered"] == 3
    assert figures[f"{key}.{question.id}.positive.pct"] == pytest.approx(200 / 3)
    assert figures[f"{key}.{question.id}.answer.{other}.count"] == 1
    assert figures[f"{key}.{survey.questions[1].id}.answered"] == 1
    # Surveys without answers this quarter contribute nothing.
    assert not any(k.startswith(f"feedback.{framework.surveys[-1].id}.") for k in figures)


def test_engagement_counts_by_type_role_and_location(framework):
    types = framework.engagement.activity_types
    roles = framework.engagement.participant_roles
    places = framework.engagement.location_types
    frame = pd.DataFrame(
        {
            "activity_type": [types[0].id, types[0].id, types[1].id],
            "participant_role": [roles[0].id] * 3,
            "location_type": [places[0].id, places[-1].id, places[-1].id],
        }
    )
    figures = engagement_figures(frame, framework)
    assert figures["engagement.count"] == 3
    assert figures[f"engagement.type.{types[0].id}.count"] == 2
    assert figures[f"engagement.type.{types[-1].id}.count"] == 0
    assert figures[f"engagement.role.{roles[0].id}.count"] == 3
    assert figures[f"engagement.location_type.{places[-1].id}.count"] == 2


def test_absent_optional_tables_give_no_keys(framework):
    service, scale = graded_service(framework)
    empty = pd.DataFrame(columns=["audit_id", "standard_id", "result"])
    tables = {
        "case_audits": audits(audit_row("1", service.id, scale.grades[0].id)),
        "practice_standards": empty,
        "feedback_responses": pd.DataFrame(),
        "engagement": pd.DataFrame(),
        "feedback_quotes": pd.DataFrame(),
    }
    data = ValidQuarter(Q4, tables, {"case_audits"}, {}, {}, None, None)
    figures = F.to_keys(quarter_figures(data, framework))
    assert not any(k.startswith(("standards.", "feedback.", "engagement.")) for k in figures)
    assert list(figures) == sorted(figures)


def test_the_figures_table_is_typed_and_checked(framework):
    service, scale = graded_service(framework)
    frame = F.table(audit_rows(audits(audit_row("1", service.id, scale.grades[0].id)), framework, Q4, {}), str(Q4))
    assert str(frame["count"].dtype) == "Int64" and str(frame["pct"].dtype) == "Float64"
    assert list(frame.columns) == F.COLUMNS
    broken = frame.copy()
    broken.loc[broken["pct"].notna(), "pct"] = 140.0
    with pytest.raises(Exception, match="in_range|less_than_or_equal_to"):
        F.SCHEMA.validate(broken)


def test_figures_json_reads_back_into_the_same_table(framework):
    service, scale = graded_service(framework)
    rows = [audit_row(str(i), service.id, scale.grades[i % len(scale.grades)].id, risk_of_harm="no") for i in range(12)]
    keys = audit_figures(audits(*rows), framework, Q4, {service.id: 40})
    again = F.to_keys(F.from_keys(keys, str(Q4)))
    assert again == keys
    for key in keys:
        fid, column = F.locate(key)
        assert F.key_of(fid, column) == key, key
