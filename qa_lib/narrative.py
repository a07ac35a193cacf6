"""Sentences about the figures, and the analysts' commentary with its placeholders.

Every number in a sentence comes from the figures mapping; nothing is computed
here beyond choosing words. Percentages are shown as whole numbers rounded
half up, as committee papers round them.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from qa_lib.disclosure import View
from qa_lib.errors import CommentaryError, Problem
from qa_lib.formatting import fmt_p, fmt_pct, join_words, whole_percent  # noqa: F401  (re-exported)
from qa_lib.framework import Framework, GradeScale, Service, Survey
from qa_lib.measures import Figures, previous_share
from qa_lib.quarter import Quarter


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- case file audits ---------------------------------------------------------------

def audit_sentences(service: Service, scale: GradeScale | None, view: View, quarter: Quarter) -> list[str]:
    """What the quarter's audits of one service found, as far as the view may show."""
    key = f"audits.{service.id}"
    figures = view.figures
    count = figures.get(f"{key}.count", 0)
    if not count:
        return [f"No {service.audit_unit} were audited by {service.name} in {quarter.name}."]
    graded = figures.get(f"{key}.graded", 0)
    shown_count, shown_graded = view.count(f"{key}.count"), view.count(f"{key}.graded")
    sentences = []
    if scale is None:
        sentences.append(f"A total of {shown_count} {service.audit_unit} were audited in {quarter.name}. "
                         f"{service.name} does not grade its audits in this quarter.")
    elif graded == count and not view.hidden(f"{key}.graded"):
        sentences.append(f"A total of {shown_count} {service.audit_unit} were audited and graded in {quarter.name}.")
    else:
        sentences.append(f"A total of {shown_count} {service.audit_unit} were audited in {quarter.name}, "
                         f"of which {shown_graded} were graded.")
    if scale is not None and graded:
        sentences.append(_headline(service, scale, view, key, "Of the {unit} audited, "))
        counts = [f"{key}.grade.{g.id}.count" for g in scale.grades]
        if all(view.hidden(c) for c in counts):
            sentences.append("The number in each grade is not shown: the numbers are small enough that a child "
                             "could be identified.")
        else:
            by_grade = [f"{view.count(c)} {_lower_first(g.label)}" for c, g in zip(counts, scale.grades)]
            sentences.append(f"By grade: {join_words(by_grade)}.")
    risk = figures.get(f"{key}.risk_of_harm.count")
    if risk is not None:
        if risk == 0:
            sentences.append("In none of the audited cases was a child judged to be at risk of harm.")
        else:
            sentences.append(f"In {view.count(f'{key}.risk_of_harm.count')} of the audited cases a child was "
                             f"judged to be at risk of harm.")
    if f"{key}.sample_pct" in figures and service.population_label:
        sentences.append(f"The {service.audit_unit} audited represent {view.value(f'{key}.sample_pct')} of "
                         f"{service.population_label}.")
    return sentences


def _headline(service: Service, scale: GradeScale, view: View, key: str, opening: str) -> str:
    worst = scale.worst_grade
    worst_share = f"{key}.grade.{worst.id}"
    parts = []
    if scale.headline_band and view.shows(f"{key}.band.{scale.headline_band}"):
        band = scale.band(scale.headline_band)
        parts.append(f"{view.pct(f'{key}.band.{band.id}')} were judged to be {band.label}")
    if view.shows(worst_share):
        worst_text = f"{view.pct(worst_share)} {_lower_first(worst.label)}"
        parts.append(f"and {worst_text}" if parts else
                     f"{view.pct(worst_share)} were judged to be {_lower_first(worst.label)}")
    if not parts:
        return (opening.format(unit=service.audit_unit) + "the shares in each grade are not shown: the numbers "
                "are small enough that a child could be identified.")
    return opening.format(unit=service.audit_unit) + ", ".join(parts) + "."


def verdict_clause(label: str, before: str, after: str, verdict: str, p_value: float) -> str:
    """``the share judged good (52% to 59%) is comparable: …`` from a figure's verdict."""
    change = f"the share {label} ({before} to {after})"
    if verdict == "comparable":
        return f"{change} is comparable: the change is within sampling variation ({fmt_p(p_value)})"
    return f"{change} shows a{'n' if verdict == 'improvement' else ''} {verdict} larger than sampling variation ({fmt_p(p_value)})"


def audit_comparison(service: Service, framework: Framework, now: View, before_view: View,
                     quarter: Quarter) -> list[str]:
    """The previous quarter's headline and the tested verdict on each change, or
    why there is nothing to compare with."""
    scale = framework.scale_for(service.id, quarter)
    if scale is None:
        return []
    before = quarter.previous
    if not before_view.available:
        why = before_view.unavailable_because or f"there are no data for {before.long_name}"
        return [f"No comparison with the previous quarter is available: {why}."]
    key = f"audits.{service.id}"
    if not before_view.figures.get(f"{key}.graded"):
        return [f"No {service.audit_unit} were graded in {before.name}, so there is no comparison."]
    same = framework.same_scale(service.id, quarter, before)
    sentences = ([_headline(service, scale, before_view, key, f"In {before.name}, ")] if same else
                 [f"The grading scale changed in {quarter.name}: only the bands the framework maps across the "
                  f"change are compared with {before.name}."])
    shares = [(f"band.{scale.headline_band}", f"judged {scale.band(scale.headline_band).label}")] \
        if scale.headline_band else []
    shares.append((f"grade.{scale.worst_grade.id}", f"judged {_lower_first(scale.worst_grade.label)}"))
    if not same:
        old_scale = framework.scale_for(service.id, before)
        shares = []
        for band in scale.bands:
            earlier = framework.earlier_band(service.id, quarter, before, band.id)
            if earlier and old_scale:
                shares.append((f"band.{band.id}", f"judged {band.label} (against "
                                                  f"{old_scale.band(earlier).label} on the previous scale)"))
    clauses = []
    for suffix, label in shares:
        share = f"{key}.{suffix}"
        verdict = now.figures.get(f"{share}.change.verdict")
        earlier = previous_share(share, framework, quarter)
        if verdict is None or earlier is None or not now.shows(share) or not before_view.shows(earlier):
            continue
        clauses.append(verdict_clause(label, before_view.pct(earlier), now.pct(share), str(verdict),
                                      float(now.figures[f"{share}.change.p_value"])))
    if clauses:
        sentences.append(f"Compared with {before.name} (two-sided Fisher's exact test at the 5% level), "
                         + "; ".join(clauses) + ".")
    elif not same:
        sentences.append("No band of this quarter's scale can be shown against the previous one, so there is "
                         "no like-for-like comparison.")
    return sentences


def standards_sentences(service: Service, framework: Framework, view: View) -> list[str]:
    """The standard met most often, and those not met often enough for a team type."""
    prefix = f"standards.{service.id}"
    met = [(view.figures[f"{prefix}.{s.id}.met.pct"], s) for s in service.standards
           if view.shows(f"{prefix}.{s.id}.met")]
    if not met:
        return []
    _, best = max(met, key=lambda item: item[0])
    sentences = [f"The practice standard met most often was “{best.label}”, met in "
                 f"{view.pct(f'{prefix}.{best.id}.met')} of the cases where it applied."]
    concerns = []
    for standard in service.standards:
        teams = []
        for team in framework.team_types:
            share = f"{prefix}.{standard.id}.team_type.{team.id}.not_met"
            value = view.figures.get(f"{share}.pct")
            if value is not None and value > framework.standards_attention_pct and view.shows(share):
                teams.append(f"{view.pct(share)} of {team.label}")
        if teams:
            concerns.append(f"{standard.label} (not met in {join_words(teams)} cases)")
    if concerns:
        sentences.append(f"Standards not met in more than {framework.standards_attention_pct:g}% of a "
                         f"team type's cases: {join_words(concerns)}.")
    return sentences


def moderation_sentences(service: Service, view: View) -> list[str]:
    """How far moderators agreed with auditors' grades."""
    key = f"moderation.{service.id}"
    if f"{key}.count" not in view.figures:
        return []
    sentences = [f"{view.count(f'{key}.count')} {service.audit_unit} were moderated; the moderator agreed with "
                 f"the auditor's grade in {view.pct(f'{key}.agreement')} of them."]
    kappa = view.figures.get(f"{key}.kappa")
    if kappa is not None and f"{key}.kappa_ci_low" in view.figures:
        sentences.append(f"Linearly weighted Cohen's kappa, which discounts agreement expected by chance and "
                         f"counts near misses, is {kappa:.2f} (95% interval {view.figures[f'{key}.kappa_ci_low']:.2f} "
                         f"to {view.figures[f'{key}.kappa_ci_high']:.2f}).")
    return sentences


# -- feedback and engagement ------------------------------------------------------

def survey_sentences(survey: Survey, view: View) -> list[str]:
    """Who took part in a survey and what share answered each question positively."""
    key = f"feedback.{survey.id}"
    figures = view.figures
    if not figures.get(f"{key}.respondents"):
        return []
    first = f"{view.count(f'{key}.respondents')} {survey.respondent_noun} took part"
    if f"{key}.age.min" in figures and not view.hidden(f"{key}.respondents"):
        first += f", aged from {figures[f'{key}.age.min']} to {figures[f'{key}.age.max']}"
    if f"{key}.sample_pct" in figures and survey.population_label:
        first += f", a {view.value(f'{key}.sample_pct')} sample of {survey.population_label}"
    sentences = [first + "."]
    for question in survey.questions:
        share = f"{key}.{question.id}.positive"
        if view.shows(share):
            sentences.append(f"Of the {view.count(f'{key}.{question.id}.answered')} who answered, "
                             f"{view.pct(share)} {question.positive_statement}.")
    return sentences


def engagement_sentences(framework: Framework, figures: Figures, quarter: Quarter) -> list[str]:
    total = figures.get("engagement.count")
    if total is None:
        return []
    if total == 0:
        return [f"No engagement activities were recorded in {quarter.name}."]
    roles = [f"{figures[f'engagement.role.{r.id}.count']:,} by {r.label}"
             for r in framework.engagement.participant_roles
             if figures.get(f"engagement.role.{r.id}.count")]
    places = [f"{figures[f'engagement.location_type.{loc.id}.count']:,} {_lower_first(loc.label)}"
              for loc in framework.engagement.location_types
              if figures.get(f"engagement.location_type.{loc.id}.count")]
    return [f"{total:,} engagement activities were recorded in {quarter.name}: "
            f"{join_words(roles)}.",
            f"By setting: {join_words(places)}."]


# -- commentary -----------------------------------------------------------------------

_NUMBER = r"(?:[1-5]|one|two|three|four|five|a single|only one|both)"
_PERSON = (r"(?:child|children|young (?:person|people)|boys?|girls?|sons?|daughters?|babies|baby|siblings?|"
           r"parents?|carers?|mothers?|fathers?|famil(?:y|ies)|respondents?|cases?|care leavers?)")
_SMALL_NUMBER_RE = re.compile(rf"\b{_NUMBER}\b(?:\s+\w+){{0,2}}?\s+{_PERSON}\b", re.IGNORECASE)
_DETAIL_RE = re.compile(rf"\b(?:a|one|the)\s+(?:\w+\s+)?{_PERSON}\s+who\b", re.IGNORECASE)


def identifying_details(text: str, source: str) -> list[Problem]:
    """Warnings for commentary that states a small number of people, or describes
    one person, so that someone can reword it before publication."""
    problems = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("##"):
            continue
        for pattern, rule, expected in (
                (_SMALL_NUMBER_RE, "commentary_small_number",
                 "no literal small number of children, families or cases; use a placeholder, which publication "
                 "mode suppresses, or a word such as 'a few'"),
                (_DETAIL_RE, "commentary_identifying_detail",
                 "no description of one person that could single them out")):
            for match in pattern.finditer(line):
                problems.append(Problem(rule, source, line_no, None, match.group(0), expected, "warning"))
    return problems

_SECTION_RE = re.compile(r"^##[ \t]+(\S+)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Commentary:
    """The analysts' narrative, one Markdown text per report section."""

    sections: dict[str, str]

    def get(self, section: str) -> str:
        return self.sections.get(section, "")


def context_values(quarter: Quarter, previous_quarter: Quarter) -> dict[str, str]:
    """Placeholders that are words about the period rather than figures."""
    return {
        "quarter.name": quarter.name,
        "quarter.long_name": quarter.long_name,
        "quarter.months": quarter.months,
        "quarter.financial_year": quarter.financial_year,
        "previous_quarter.name": previous_quarter.name,
        "previous_quarter.long_name": previous_quarter.long_name,
    }


def fill_placeholders(text: str, now: View, before: View, context: dict[str, str], source: str) -> str:
    """Replace ``{key}`` with the figure's display value; ``{{``/``}}`` are literal.

    ``{previous.<key>}`` takes the previous quarter's value.

    Raises
    ------
    CommentaryError
        For a placeholder that names no figure, or a malformed brace, with the
        file and line.
    """
    out = []
    for line_no, line in enumerate(text.splitlines(keepends=True), start=1):
        try:
            parts = list(string.Formatter().parse(line))
        except ValueError as exc:
            raise CommentaryError(f"{source}, line {line_no}: {exc} (write {{{{ or }}}} for a literal brace)") from None
        for literal, field, spec, conversion in parts:
            out.append(literal)
            if field is None:
                continue
            if spec or conversion:
                raise CommentaryError(f"{source}, line {line_no}: placeholder {{{field}}} may not carry a "
                                      f"format; the workbook formats figures itself")
            out.append(_placeholder_value(field, now, before, context, source, line_no))
    return "".join(out)


def _placeholder_value(field: str, now: View, before: View, context: dict[str, str],
                       source: str, line_no: int) -> str:
    if field in context:
        return context[field]
    view, key = now, field
    if field.startswith("previous."):
        view, key = before, field.removeprefix("previous.")
    if key in view.figures:
        return view.value(key)
    raise CommentaryError(f"{source}, line {line_no}: unknown placeholder {{{field}}}: no figure of that "
                          f"key this quarter (keys are listed in docs/figures.md and figures.json)")


def parse_commentary(text: str | None, known_sections: set[str], source: str) -> Commentary:
    """Split ``commentary.md`` at its ``## <section id>`` headings.

    Raises
    ------
    CommentaryError
        For text before the first heading, an unknown or repeated section id.
    """
    if not text:
        return Commentary({})
    matches = list(_SECTION_RE.finditer(text))
    head = text[: matches[0].start()] if matches else text
    if head.strip():
        raise CommentaryError(f"{source}: text before the first '## <section id>' heading would be lost")
    sections: dict[str, str] = {}
    for i, match in enumerate(matches):
        section = match[1]
        line_no = text.count("\n", 0, match.start()) + 1
        if section not in known_sections:
            raise CommentaryError(f"{source}, line {line_no}: unknown section id {section!r}; "
                                  f"known sections: {', '.join(sorted(known_sections))}")
        if section in sections:
            raise CommentaryError(f"{source}, line {line_no}: section {section!r} appears twice")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[section] = text[match.end(): end].strip()
    return Commentary(sections)
