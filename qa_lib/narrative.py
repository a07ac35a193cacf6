"""Sentences about the figures, and the analysts' commentary with its placeholders.

Every number in a sentence comes from the figures mapping; nothing is computed
here beyond choosing words. Percentages are shown as whole numbers rounded
half up, as committee papers round them.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from qa_lib.errors import CommentaryError
from qa_lib.framework import Framework, GradeScale, Service, Survey
from qa_lib.measures import Figures
from qa_lib.quarter import Quarter


def whole_percent(value: float) -> int:
    """Round a percentage half up to a whole number (81.875 → 82, 8.5 → 9).

    The value is first fixed to nine decimals: ``100 * k / n`` in binary floating
    point can land a hair below an exact half (100 * 29 / 200 is
    14.499999999999998), which must still round up.
    """
    exact = Decimal(repr(float(value))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_pct(value: float) -> str:
    return f"{whole_percent(value)}%"


def fmt_value(key: str, value: int | float) -> str:
    """A figure as the report shows it: ``59%`` for a percentage, ``101`` for a count."""
    if key.endswith("pct"):
        return fmt_pct(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def join_words(items: list[str]) -> str:
    """``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- case file audits ---------------------------------------------------------------

def audit_sentences(service: Service, scale: GradeScale | None, figures: Figures,
                    quarter: Quarter) -> list[str]:
    """What the quarter's audits of one service found."""
    key = f"audits.{service.id}"
    count = figures.get(f"{key}.count", 0)
    if not count:
        return [f"No {service.audit_unit} were audited by {service.name} in {quarter.name}."]
    graded = figures.get(f"{key}.graded", 0)
    sentences = []
    if scale is None:
        sentences.append(f"A total of {count:,} {service.audit_unit} were audited in {quarter.name}. "
                         f"{service.name} does not grade its audits in this quarter.")
    elif graded == count:
        sentences.append(f"A total of {count:,} {service.audit_unit} were audited and graded in {quarter.name}.")
    else:
        sentences.append(f"A total of {count:,} {service.audit_unit} were audited in {quarter.name}, "
                         f"of which {graded:,} were graded.")
    if scale is not None and graded:
        sentences.append(_headline(service, scale, figures, key, "Of the {unit} audited, "))
        by_grade = [f"{figures[f'{key}.grade.{g.id}.count']:,} {_lower_first(g.label)}" for g in scale.grades]
        sentences.append(f"By grade: {join_words(by_grade)}.")
    risk = figures.get(f"{key}.risk_of_harm.count")
    if risk is not None:
        sentences.append("In none of the audited cases was a child judged to be at risk of harm."
                         if risk == 0 else
                         f"In {risk:,} of the audited cases a child was judged to be at risk of harm.")
    sample = figures.get(f"{key}.sample_pct")
    if sample is not None and service.population_label:
        sentences.append(f"The {service.audit_unit} audited represent {fmt_pct(sample)} of "
                         f"{service.population_label}.")
    return sentences


def _headline(service: Service, scale: GradeScale, figures: Figures, key: str, opening: str) -> str:
    worst = scale.worst_grade
    worst_pct = fmt_pct(figures[f"{key}.grade.{worst.id}.pct"])
    if scale.headline_band:
        band = scale.band(scale.headline_band)
        band_pct = fmt_pct(figures[f"{key}.band.{band.id}.pct"])
        body = f"{band_pct} were judged to be {band.label}, and {worst_pct} {_lower_first(worst.label)}."
    else:
        body = f"{worst_pct} were judged to be {_lower_first(worst.label)}."
    return opening.format(unit=service.audit_unit) + body


def audit_comparison(service: Service, scale: GradeScale | None, previous_scale: GradeScale | None,
                     previous: Figures, previous_quarter: Quarter, has_previous: bool) -> str | None:
    """The previous quarter's headline, or why there is none to compare with."""
    if scale is None:
        return None
    if not has_previous:
        return (f"No comparison with the previous quarter is available: there are no data "
                f"for {previous_quarter.long_name}.")
    key = f"audits.{service.id}"
    if previous_scale is None or previous_scale.grade_ids != scale.grade_ids:
        return (f"No like-for-like comparison with {previous_quarter.name} is available: "
                f"the grading scale changed between the quarters.")
    if not previous.get(f"{key}.graded"):
        return f"No {service.audit_unit} were graded in {previous_quarter.name}, so there is no comparison."
    return _headline(service, previous_scale, previous, key, f"In {previous_quarter.name}, ")


def standards_sentences(service: Service, framework: Framework, figures: Figures) -> list[str]:
    """The standard met most often, and those not met often enough for a team type."""
    prefix = f"standards.{service.id}"
    met = [(figures[f"{prefix}.{s.id}.met.pct"], s) for s in service.standards
           if f"{prefix}.{s.id}.met.pct" in figures]
    if not met:
        return []
    best_pct, best = max(met, key=lambda item: item[0])
    sentences = [f"The practice standard met most often was “{best.label}”, met in "
                 f"{fmt_pct(best_pct)} of the cases where it applied."]
    concerns = []
    for standard in service.standards:
        teams = []
        for team in framework.team_types:
            value = figures.get(f"{prefix}.{standard.id}.team_type.{team.id}.not_met.pct")
            if value is not None and value > framework.standards_attention_pct:
                teams.append(f"{fmt_pct(value)} of {team.label}")
        if teams:
            concerns.append(f"{standard.label} (not met in {join_words(teams)} cases)")
    if concerns:
        sentences.append(f"Standards not met in more than {framework.standards_attention_pct:g}% of a "
                         f"team type's cases: {join_words(concerns)}.")
    return sentences


# -- feedback and engagement ------------------------------------------------------

def survey_sentences(survey: Survey, figures: Figures) -> list[str]:
    """Who took part in a survey and what share answered each question positively."""
    key = f"feedback.{survey.id}"
    respondents = figures.get(f"{key}.respondents")
    if not respondents:
        return []
    first = f"{respondents:,} {survey.respondent_noun} took part"
    if f"{key}.age.min" in figures:
        first += f", aged from {figures[f'{key}.age.min']} to {figures[f'{key}.age.max']}"
    sample = figures.get(f"{key}.sample_pct")
    if sample is not None and survey.population_label:
        first += f", a {fmt_pct(sample)} sample of {survey.population_label}"
    sentences = [first + "."]
    for question in survey.questions:
        answered = figures.get(f"{key}.{question.id}.answered", 0)
        if answered:
            pct = fmt_pct(figures[f"{key}.{question.id}.positive.pct"])
            sentences.append(f"Of the {answered:,} who answered, {pct} {question.positive_statement}.")
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


def fill_placeholders(text: str, figures: Figures, previous: Figures, context: dict[str, str],
                      source: str) -> str:
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
            out.append(_placeholder_value(field, figures, previous, context, source, line_no))
    return "".join(out)


def _placeholder_value(field: str, figures: Figures, previous: Figures, context: dict[str, str],
                       source: str, line_no: int) -> str:
    if field in context:
        return context[field]
    values, key = figures, field
    if field.startswith("previous."):
        values, key = previous, field.removeprefix("previous.")
    if key in values:
        return fmt_value(key, values[key])
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
