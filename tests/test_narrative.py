import pytest

from qa_lib.errors import CommentaryError
from qa_lib.disclosure import View
from qa_lib.narrative import (audit_comparison, audit_sentences, fill_placeholders, identifying_details, join_words,
                              parse_commentary, standards_sentences, survey_sentences, whole_percent)
from qa_lib.quarter import Quarter

Q4 = Quarter.parse("2013-14-Q4")


@pytest.mark.parametrize("value, expected", [
    (81.875, 82), (18.125, 18), (8.5, 9), (2.5, 3), (0.5, 1), (59.40594059405941, 59),
    (100 * 29 / 200, 15),  # 14.499999999999998 in binary floating point
    (66.66666666666667, 67), (0, 0), (100, 100), (14.49, 14),
])
def test_whole_percent_rounds_half_up(value, expected):
    assert whole_percent(value) == expected


def test_view_values_by_key():
    view = View({"audits.x.band.good.pct": 59.4, "feedback.s.sample_pct": 14.5, "feedback.s.respondents": 40,
                 "audits.x.count": 1320, "feedback.s.age.min": 6})
    assert view.value("audits.x.band.good.pct") == "59%"
    assert view.value("feedback.s.sample_pct") == "15%"
    assert view.value("audits.x.count") == "1,320"
    assert view.value("feedback.s.age.min") == "6"


def test_join_words():
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b", "c"]) == "a, b and c"


FIGS = View({"audits.csc.count": 320, "audits.tss.band.good_or_better.pct": 59.40594059405941,
             "audits.tss.graded": 101})
PREV = View({"audits.tss.band.good_or_better.pct": 52.0, "audits.tss.graded": 100})
CTX = {"quarter.name": "quarter 4"}


def test_placeholders_are_filled_from_figures_previous_and_context():
    text = "In {quarter.name}, {audits.csc.count} audits; {audits.tss.band.good_or_better.pct} " \
           "against {previous.audits.tss.band.good_or_better.pct}. Braces: {{literal}}."
    assert fill_placeholders(text, FIGS, PREV, CTX, "c.md") == \
        "In quarter 4, 320 audits; 59% against 52%. Braces: {literal}."


def test_unknown_placeholder_is_an_error_naming_file_and_line():
    with pytest.raises(CommentaryError) as err:
        fill_placeholders("fine\n{audits.csc.cuont} here", FIGS, PREV, CTX, "data/q/commentary.md")
    assert "data/q/commentary.md, line 2" in str(err.value)
    assert "{audits.csc.cuont}" in str(err.value)


@pytest.mark.parametrize("text", ["{audits.csc.count:.1f}", "{audits.csc.count!r}", "an { unclosed", "a } stray"])
def test_formats_and_stray_braces_are_refused(text):
    with pytest.raises(CommentaryError):
        fill_placeholders(text, FIGS, PREV, CTX, "c.md")


def test_commentary_sections_split_and_checked():
    text = "## purpose\n\nWhy.\n\n## summary\nAll well.\n"
    commentary = parse_commentary(text, {"purpose", "summary"}, "c.md")
    assert commentary.get("purpose") == "Why."
    assert commentary.get("summary") == "All well."
    assert commentary.get("engagement") == ""
    with pytest.raises(CommentaryError, match="unknown section id 'sumary'"):
        parse_commentary("## sumary\ntext", {"summary"}, "c.md")
    with pytest.raises(CommentaryError, match="would be lost"):
        parse_commentary("stray text\n## summary\ntext", {"summary"}, "c.md")
    with pytest.raises(CommentaryError, match="appears twice"):
        parse_commentary("## summary\na\n## summary\nb", {"summary"}, "c.md")


def _service_with_headline(framework):
    for service in framework.services:
        scale = framework.scale_for(service.id, Q4)
        if scale and scale.headline_band:
            return service, scale
    raise AssertionError


def test_audit_sentences_carry_the_headline_and_worst_grade(framework):
    service, scale = _service_with_headline(framework)
    band = scale.band(scale.headline_band)
    worst = scale.worst_grade
    key = f"audits.{service.id}"
    figures = {f"{key}.count": 320, f"{key}.graded": 320, f"{key}.band.{band.id}.pct": 81.875,
               f"{key}.grade.{worst.id}.pct": 18.125}
    figures |= {f"{key}.grade.{g.id}.count": 1 for g in scale.grades}
    text = " ".join(audit_sentences(service, scale, View(figures), Q4))
    assert f"A total of 320 {service.audit_unit} were audited and graded in quarter 4." in text
    assert f"82% were judged to be {band.label}, and 18% {worst.label.lower()}." in text


def test_no_audits_says_so(framework):
    service, scale = _service_with_headline(framework)
    sentences = audit_sentences(service, scale, View({f"audits.{service.id}.count": 0}), Q4)
    assert sentences == [f"No {service.audit_unit} were audited by {service.name} in quarter 4."]


def test_comparison_explains_a_missing_quarter_or_a_scale_change(framework):
    service, scale = _service_with_headline(framework)
    missing = audit_comparison(service, framework, View({}), View({}, available=False), Q4)
    assert "no data for quarter 3 2013-14" in missing[0]
    first_ofsted = Quarter.parse("2014-15-Q1")
    changed = audit_comparison(service, framework, View({}), View({f"audits.{service.id}.graded": 10}), first_ofsted)
    assert "grading scale changed in quarter 1" in changed[0]


def test_standards_sentences_flag_team_types_above_the_threshold(framework):
    service = next(s for s in framework.services if s.standards)
    first, second = service.standards[0], service.standards[1]
    p = f"standards.{service.id}"
    figures = {f"{p}.{first.id}.met.pct": 98.0, f"{p}.{second.id}.met.pct": 70.0,
               f"{p}.{second.id}.team_type.fieldwork.not_met.pct": 27.0,
               f"{p}.{first.id}.team_type.fieldwork.not_met.pct": 2.0}
    text = " ".join(standards_sentences(service, framework, View(figures)))
    assert f"“{first.label}”, met in 98%" in text
    assert f"{second.label} (not met in 27% of fieldwork cases)" in text
    assert f"{first.label} (not met" not in text


def test_survey_sentences(framework):
    survey = framework.surveys[0]
    q = survey.questions[0]
    key = f"feedback.{survey.id}"
    figures = {f"{key}.respondents": 14, f"{key}.age.min": 6, f"{key}.age.max": 18,
               f"{key}.{q.id}.answered": 14, f"{key}.{q.id}.positive.pct": 100.0, f"{key}.{q.id}.positive.count": 14}
    text = " ".join(survey_sentences(survey, View(figures)))
    assert f"14 {survey.respondent_noun} took part, aged from 6 to 18." in text
    assert f"Of the 14 who answered, 100% [u] {q.positive_statement}." in text  # 14 is below the minimum base
    assert survey_sentences(survey, View({})) == []
    hidden = View(figures, suppressed=frozenset({f"{key}.respondents", f"{key}.{q.id}.answered"}))
    text = " ".join(survey_sentences(survey, hidden))
    assert "[c]" in text and "aged from" not in text and "100%" not in text


def test_commentary_that_could_single_out_a_child_is_flagged():
    text = "## feedback.csc\n\nOne child who has had eight social workers gave an eloquent plea.\n" \
           "Three families said so. Most children felt safe; a case management system is planned.\n"
    found = [(p.rule, p.row, p.value) for p in identifying_details(text, "c.md")]
    assert ("commentary_identifying_detail", 3, "One child who") in found
    assert ("commentary_small_number", 3, "One child") in found
    assert ("commentary_small_number", 4, "Three families") in found
    assert len(found) == 3
