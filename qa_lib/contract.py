"""The data contract, declared once: every table a quarter may hold and, for every column,
its kind, whether it is required and may be blank, where its allowed values come from,
whether it identifies someone, and what a person is told to enter in it.

Everything else is generated from :data:`TABLES`: the readers' view of each table
(:data:`qa_lib.loading.TABLES`), the pandera schemas and per-row explanations
(:mod:`qa_lib.validation`), the data-entry workbook's drop-downs and notes
(:mod:`qa_lib.template`), the identifiers each run scans its outputs for
(:mod:`qa_lib.privacy`) and ``docs/data-contract.md``, written from
``templates/docs/data-contract.md.j2`` by ``python -m qa_lib.contract --write-docs``
(``make docs``); a test fails when the committed document differs.

The declaration is Python rather than YAML: a list's values are taken from the framework
by code (a grade depends on the service's scale for the quarter), kinds map to checks in
code, and the contract changes with the code that enforces it, never per council (what a
council may change lives in ``params/framework.yaml``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa_lib.framework import Framework
    from qa_lib.quarter import Quarter

MAX_AGE = 25  # the oldest respondent_age, in whole years
YES = ("yes", "y", "true", "1")  # the spellings of yes and no a yes/no column accepts, in any letter case
NO = ("no", "n", "false", "0")


class Kind(Enum):
    """What a column holds; each kind is read, checked and offered for entry in its own way."""

    ID = "id"  # the row's own id: never blank, never repeated
    REFERENCE = "reference"  # the id of a row of another table
    TEXT = "text"  # free text
    CATEGORY = "category"  # an id from a list: the framework's or the contract's own
    YES_NO = "yes/no"
    DATE = "date"  # a date within the quarter
    AGE = "age"  # whole years, 0 to MAX_AGE


@dataclass(frozen=True)
class Values:
    """A list a column's values must come from.

    A list of the framework gives its ids by ``ids`` or, when the allowed values depend on
    other columns of the row (``within``: a grade on the row's service's scale), by
    ``lists``: one list for each combination of those columns' values. A list of the
    contract's own is ``fixed``.
    """

    one: str  # one value of it, in words; "{quarter}" stands for the quarter
    rule: str  # the rule code of a value not on the list
    list_name: str  # the named list of the data-entry workbook (the prefix of its lists, with ``within``)
    source: str | None = None  # where params/framework.yaml gives it; None for the contract's own
    ids: Callable[[Framework, Quarter], list[str]] | None = None
    fixed: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    lists: Callable[[Framework, Quarter], dict[tuple[str, ...], list[str]]] | None = None
    explain: Callable[[tuple[str, ...], list[str], Quarter], str] | None = None  # per row, from the row's list
    choose: str = ""  # the data-entry workbook's words when a value is not on a per-row list
    show_ids: bool = False  # name every value in the expectation (a short list people often get wrong)
    # Each id's label as the framework names it (per row: every id of every list): data may give
    # the label instead of the id, and the data-entry workbook offers the labels.
    labels: Callable[[Framework, Quarter], dict[str, str]] | None = None

    def labelled(self, framework: Framework, quarter: Quarter, ids: list[str]) -> list[str]:
        """The ids as the data-entry workbook offers them: by label where the framework gives one."""
        names = self.labels(framework, quarter) if self.labels else {}
        return [names.get(i, i) for i in ids]

    def all_ids(self, framework: Framework, quarter: Quarter) -> list[str]:
        """Every value the list may hold, whatever the rest of the row."""
        if self.fixed:
            return list(self.fixed)
        if self.lists is not None:
            return sorted({v for ids in self.lists(framework, quarter).values() for v in ids})
        assert self.ids is not None
        return self.ids(framework, quarter)

    def words(self, quarter: object = "the quarter") -> str:
        """One value in words: ``a service of the framework``, ``met, not_met or not_applicable``."""
        return either(self.fixed) if self.fixed else self.one.format(quarter=quarter)


@dataclass(frozen=True)
class Column:
    """A column of a table, as the contract declares it."""

    name: str
    kind: Kind
    note: str  # what it records, for people: the workbook's notes sheet and the document
    required: bool = True  # must be in the table (not: must have a value; see ``blank``)
    blank: bool = False  # may be left blank
    values: Values | None = None  # CATEGORY: the list its values come from
    identifier: bool = False  # identifies a child, family or respondent: never shown in an output
    few_values: bool = False  # TEXT with few distinct values (team names): read and checked as categories
    references: str | None = None  # REFERENCE: "<table>.<column>" of the row it points at
    carries: tuple[str, ...] = ()  # REFERENCE: columns of that row the validated table carries beside its own
    blank_expected: str | None = None  # a blank value's expectation, where not "a value in <column>"

    def __post_init__(self) -> None:
        if (self.kind is Kind.CATEGORY) != (self.values is not None):
            raise ValueError(f"column {self.name}: a category, and only a category, names its list")
        if (self.kind is Kind.REFERENCE) != (self.references is not None):
            raise ValueError(f"column {self.name}: a reference, and only a reference, names what it refers to")

    @property
    def allowed(self) -> Values | None:
        """The list of its values: a category's, or yes and no."""
        return YES_NO if self.kind is Kind.YES_NO else self.values

    @property
    def coded(self) -> bool:
        """Held as a categorical: read as codes, tidied and checked once per distinct value."""
        return self.kind in (Kind.CATEGORY, Kind.YES_NO, Kind.DATE, Kind.AGE) or self.few_values

    def words(self, quarter: Quarter | None = None, blank: bool = True) -> str:
        """What its values must be, in words (dates as the quarter's when it is given), saying
        that it may be blank unless ``blank`` is false."""
        blank = blank and self.blank
        if self.kind is Kind.ID:
            text = "an id used on no other row"
        elif self.kind is Kind.REFERENCE:
            table, column = self.references.split(".")  # type: ignore[union-attr]
            text = f"{article(column)} {column} of {table}"
        elif self.kind is Kind.TEXT:
            text = "an id (free text)" if self.identifier else "free text"
        elif self.kind is Kind.DATE:
            text = f"a date from {quarter.start_date} to {quarter.end_date}" if quarter else "a date within the quarter"
        elif self.kind is Kind.AGE:
            text = f"a whole number from 0 to {MAX_AGE}"
        else:
            values = self.allowed
            assert values is not None
            if values.fixed and blank:
                return either((*values.fixed, "blank"))
            text = values.words(quarter or "the quarter")
        return f"{text}, or blank" if blank else text

    def expected(self, framework: Framework, quarter: Quarter) -> str:
        """What a value not on its list was expected to be, as a problem says it."""
        values = self.allowed
        assert values is not None
        if not values.show_ids:
            return self.words(quarter)
        text = f"{values.words(quarter)}: {', '.join(values.all_ids(framework, quarter))}"
        return f"{text}, or blank" if self.blank else text


@dataclass(frozen=True)
class Unique:
    """Columns whose values no two rows of a table share, and the problem a repeat is."""

    columns: tuple[str, ...]
    rule: str
    expected: str


@dataclass(frozen=True)
class Table:
    """A table of a quarter: ``<name>.csv``, ``<name>.parquet`` or a sheet of ``<quarter>.xlsx``."""

    name: str
    rows: str  # what one row is, for the document
    columns: tuple[Column, ...]
    required: bool = False  # a quarter must have it
    unique: Unique | None = None
    about: str = ""  # more for the document, after the heading

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column declared twice")

    @property
    def names(self) -> tuple[str, ...]:
        """Every column's name, required first: the order of a data-entry sheet."""
        return (*self.required_columns, *self.optional_columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.identifier)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def either(words: tuple[str, ...] | list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


# -- the lists values come from -----------------------------------------------------------


def _grades(framework: Framework, quarter: Quarter) -> dict[tuple[str, ...], list[str]]:
    scales = {s.id: framework.scale_for(s.id, quarter) for s in framework.services}
    return {(service,): scale.grade_ids if scale else [] for service, scale in scales.items()}


def _grade_expected(key: tuple[str, ...], ids: list[str], quarter: Quarter) -> str:
    if not ids:
        return f"blank: service {key[0]} does not grade audits in {quarter}"
    return f"one of {', '.join(ids)} (the {key[0]} scale in {quarter}), or blank"


def _standard_expected(key: tuple[str, ...], ids: list[str], quarter: Quarter) -> str:
    return (
        f"one of {', '.join(ids)} (standards of service {key[0]})"
        if ids
        else f"no practice standards: service {key[0]} has none in the framework"
    )


def _options(*path: str) -> Callable[[Framework, Quarter], list[str]]:
    """The ids of a list of options of the framework, e.g. ``engagement.activity_types``."""

    def ids(framework: Framework, quarter: Quarter) -> list[str]:
        found: object = framework
        for name in path:
            found = getattr(found, name)
        return [o.id for o in found]  # type: ignore[attr-defined]

    return ids


def _option_labels(*path: str) -> Callable[[Framework, Quarter], dict[str, str]]:
    """The labels of a list of options of the framework, by id."""

    def labels(framework: Framework, quarter: Quarter) -> dict[str, str]:
        found: object = framework
        for name in path:
            found = getattr(found, name)
        return {o.id: o.label for o in found}  # type: ignore[attr-defined]

    return labels


def _grade_labels(framework: Framework, quarter: Quarter) -> dict[str, str]:
    scales = [framework.scale_for(s.id, quarter) for s in framework.services]
    return {g.id: g.label for scale in scales if scale for g in scale.grades}


SERVICES = Values(
    "a service of the framework",
    "unknown_service",
    "service_ids",
    "`services`",
    ids=lambda fw, q: fw.service_ids,
    show_ids=True,
    labels=lambda fw, q: {s.id: s.name for s in fw.services},
)
CASE_TYPES = Values(
    "a case type of the framework",
    "unknown_case_type",
    "case_type_ids",
    "`case_types`",
    ids=_options("case_types"),
    labels=_option_labels("case_types"),
)
TEAM_TYPES = Values(
    "a team type of the framework",
    "unknown_team_type",
    "team_type_ids",
    "`team_types`",
    ids=_options("team_types"),
    labels=_option_labels("team_types"),
)
AUDITOR_ROLES = Values(
    "an auditor role of the framework",
    "unknown_auditor_role",
    "auditor_role_ids",
    "`auditor_roles`",
    ids=_options("auditor_roles"),
    labels=_option_labels("auditor_roles"),
)
GRADES = Values(
    "a grade on that service's scale for {quarter}",
    "grade_not_on_scale",
    "grades",
    "`grade_scales`, as the service's `scales` assign them by quarter",
    within=("service",),
    lists=_grades,
    explain=_grade_expected,
    choose="Choose a grade on this service's scale for the quarter, or leave blank.",
    labels=_grade_labels,
)
STANDARDS = Values(
    "a practice standard of the audit's service",
    "unknown_standard",
    "standard_ids",
    "the service's `standards` in `services`",
    within=("service",),
    lists=lambda fw, q: {(s.id,): s.standard_ids for s in fw.services},
    explain=_standard_expected,
    labels=lambda fw, q: {x.id: x.label for s in fw.services for x in s.standards},
)
RESULTS = Values("", "bad_result", "result_ids", fixed=("met", "not_met", "not_applicable"))
SURVEYS = Values(
    "a survey of the framework",
    "unknown_survey",
    "survey_ids",
    "the `surveys` of each of `feedback_topics`",
    ids=_options("surveys"),
    labels=lambda fw, q: {s.id: s.label for s in fw.surveys},
)
RESPONDENT_TYPES = Values(
    "a respondent type of the framework",
    "unknown_respondent_type",
    "respondent_type_ids",
    "`respondent_types`",
    ids=_options("respondent_types"),
    labels=_option_labels("respondent_types"),
)
QUESTIONS = Values(
    "a question of that survey",
    "unknown_question",
    "questions",
    "the survey's `questions`",
    within=("survey_id",),
    lists=lambda fw, q: {(s.id,): [x.id for x in s.questions] for s in fw.surveys},
    explain=lambda key, ids, q: f"one of {', '.join(ids)} (questions of survey {key[0]})",
    choose="Choose a question of this survey.",
    labels=lambda fw, q: {x.id: x.text for s in fw.surveys for x in s.questions},
)
ANSWERS = Values(
    "an answer in that question's answer set",
    "answer_not_in_set",
    "answers",
    "`answer_sets`, as the question's `answers` names one",
    within=("survey_id", "question_id"),
    lists=lambda fw, q: {(s.id, x.id): [a.id for a in fw.answers(x)] for s, x in fw.iter_questions()},
    explain=lambda key, ids, q: f"one of {', '.join(ids)}",
    choose="Choose an answer of this question.",
    labels=lambda fw, q: {a.id: a.label for s, x in fw.iter_questions() for a in fw.answers(x)},
)
AGE_BANDS = Values(
    "an age band of the framework",
    "unknown_age_band",
    "age_band_ids",
    "`quote_age_bands`",
    ids=_options("quote_age_bands"),
    labels=_option_labels("quote_age_bands"),
)
QUOTE_THEMES = Values(
    "a quote theme of the framework",
    "unknown_theme",
    "theme_ids",
    "`quote_themes`",
    ids=_options("quote_themes"),
    labels=_option_labels("quote_themes"),
)
KINDS = Values("", "bad_kind", "kind_ids", fixed=("positive", "improvement"))
YES_NO = Values("", "bad_yes_no", "yes_no", fixed=("yes", "no"))
ACTIVITY_TYPES = Values(
    "an activity type of the framework",
    "unknown_activity_type",
    "activity_type_ids",
    "`engagement.activity_types`",
    ids=_options("engagement", "activity_types"),
    labels=_option_labels("engagement", "activity_types"),
)
PARTICIPANT_ROLES = Values(
    "a participant role of the framework",
    "unknown_participant_role",
    "participant_role_ids",
    "`engagement.participant_roles`",
    ids=_options("engagement", "participant_roles"),
    labels=_option_labels("engagement", "participant_roles"),
)
LOCATION_TYPES = Values(
    "a location type of the framework",
    "unknown_location_type",
    "location_type_ids",
    "`engagement.location_types`",
    ids=_options("engagement", "location_types"),
    labels=_option_labels("engagement", "location_types"),
)


# -- the tables ---------------------------------------------------------------------------


def _category(name: str, values: Values, note: str, **options: object) -> Column:
    return Column(name, Kind.CATEGORY, note, values=values, **options)  # type: ignore[arg-type]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "case_audits",
            "one row per case file audit",
            required=True,
            columns=(
                Column(
                    "audit_id", Kind.ID, "The audit's id, e.g. A-0001.", identifier=True, blank_expected="an audit id"
                ),
                _category("service", SERVICES, "The service audited."),
                Column("case_ref", Kind.TEXT, "The case's pseudonymised reference.", identifier=True),
                _category("case_type", CASE_TYPES, "The type of case."),
                Column("team", Kind.TEXT, "The name of the team holding the case.", few_values=True),
                _category("team_type", TEAM_TYPES, "The type of team."),
                Column("audit_date", Kind.DATE, "The date of the audit."),
                _category("auditor_role", AUDITOR_ROLES, "The role of the auditor."),
                _category(
                    "grade",
                    GRADES,
                    "The grade given; blank if the audit was not graded, and always blank for "
                    "a service the framework does not grade that quarter.",
                    blank=True,
                ),
                _category(
                    "moderated_grade",
                    GRADES,
                    "The grade after moderation, under the same rules as grade; blank if not moderated.",
                    required=False,
                    blank=True,
                ),
                Column(
                    "risk_of_harm", Kind.YES_NO, "Was a child judged to be at risk of harm?", required=False, blank=True
                ),
                Column("agency", Kind.TEXT, "The agency that completed the assessment.", required=False, blank=True),
            ),
        ),
        Table(
            "practice_standards",
            "one row per standard assessed in an audit",
            columns=(
                Column(
                    "audit_id",
                    Kind.REFERENCE,
                    "The audit in which the standard was assessed.",
                    references="case_audits.audit_id",
                    carries=("service", "team_type"),
                ),
                _category("standard_id", STANDARDS, "The practice standard assessed."),
                _category("result", RESULTS, "Whether the audit found the standard met."),
            ),
        ),
        Table(
            "feedback_responses",
            "one row per answer",
            about="An unanswered question has no row.",
            unique=Unique(
                ("survey_id", "respondent_id", "question_id"),
                "duplicate_answer",
                "one answer per respondent and question",
            ),
            columns=(
                Column("response_id", Kind.ID, "The id of this answer's row.", identifier=True),
                _category("survey_id", SURVEYS, "The survey answered."),
                Column(
                    "respondent_id",
                    Kind.TEXT,
                    "The respondent: the same id on every answer of one respondent.",
                    identifier=True,
                ),
                _category("respondent_type", RESPONDENT_TYPES, "Who answered."),
                Column(
                    "respondent_age",
                    Kind.AGE,
                    "The respondent's age in years, for children and young people; blank for adults.",
                    required=False,
                    blank=True,
                ),
                _category("question_id", QUESTIONS, "The question answered."),
                _category("answer", ANSWERS, "The answer given."),
            ),
        ),
        Table(
            "feedback_quotes",
            "quotations for the report",
            columns=(
                Column("quote_id", Kind.ID, "The quote's id.", identifier=True),
                _category("survey_id", SURVEYS, "The survey it came from."),
                _category("respondent_type", RESPONDENT_TYPES, "Who said it."),
                _category("age_band", AGE_BANDS, "The age band of the person quoted.", required=False, blank=True),
                _category("theme", QUOTE_THEMES, "What the quote is about."),
                _category("kind", KINDS, "Praise, or a point to improve on."),
                Column(
                    "text",
                    Kind.TEXT,
                    "The words, anonymised: replace names with descriptions such as (the social worker).",
                ),
                Column(
                    "approved",
                    Kind.YES_NO,
                    "Whether the quote is approved for publication: only approved quotes are published.",
                ),
            ),
        ),
        Table(
            "engagement",
            "one row per activity of members and senior officers",
            columns=(
                Column("activity_id", Kind.ID, "The activity's id.", identifier=True),
                Column("activity_date", Kind.DATE, "The date of the activity."),
                _category("activity_type", ACTIVITY_TYPES, "The type of activity."),
                _category("participant_role", PARTICIPANT_ROLES, "Who took part."),
                _category("location_type", LOCATION_TYPES, "Where it took place."),
                Column("description", Kind.TEXT, "A short description (never published)."),
            ),
        ),
    )
}


def columns() -> Iterator[tuple[Table, Column]]:
    """Every column of every table, in the contract's order."""
    for table in TABLES.values():
        for column in table.columns:
            yield table, column


def rules() -> list[str]:
    """Every rule code a table's values can break, in the contract's order."""
    found = ["missing_column", "blank_value"]
    for table, column in columns():
        if column.kind is Kind.ID:
            found.append("duplicate_id")
        elif column.kind is Kind.REFERENCE:
            found.append(f"unknown_{column.name}")
        elif column.kind is Kind.DATE:
            found += ["bad_date", "date_outside_quarter"]
        elif column.kind is Kind.AGE:
            found.append("bad_age")
        elif column.allowed is not None:
            found.append(column.allowed.rule)
            if column.allowed.labels is not None:
                found.append("ambiguous_label")  # a label (or id) the framework gives two of its values
        if table.unique is not None and column.name == table.unique.columns[-1]:
            found.append(table.unique.rule)
    return list(dict.fromkeys(found))


# -- the document -------------------------------------------------------------------------

DOC = Path("docs") / "data-contract.md"
DOC_TEMPLATE = "docs/data-contract.md.j2"
SAMPLE_FRAMEWORK = Path("params") / "framework.yaml"


def _environment():  # noqa: ANN202  jinja2 is imported only to write the document
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("qa_lib", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["code"] = lambda value: f"`{value}`"
    environment.filters["wrap"] = _wrap
    return environment


def _wrap(text: str, indent: str = "  ") -> str:
    """A paragraph or list item of generated text, its white space folded and wrapped at 80
    characters as the rest of the document is; a code span is never split."""
    import re

    lines: list[str] = []
    for word in re.findall(r"(?:`[^`]*`|[^\s`])+", text):
        if lines and len(lines[-1]) + 1 + len(word) <= 80:
            lines[-1] += " " + word
        else:
            lines.append((indent if lines else "") + word)
    return "\n".join(lines)


def _commentary_rows(framework: Framework, described: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """The rows of the document's commentary table: each id (``audit.<service>`` for a family of
    them), where it appears, and the sample framework's ids of a family. Every id the sections
    show must be described in the template, and every description must be of an id shown."""
    from qa_lib.sections import commentary_ids

    ids = commentary_ids(framework)
    rows, covered = [], set()
    for shown, where in described.items():
        if "<" in shown:
            prefix = shown.split("<", 1)[0]
            family = sorted(i for i in ids if i.startswith(prefix))
        else:
            family = [shown] if shown in ids else []
        if not family:
            raise ValueError(f"{DOC_TEMPLATE} describes commentary section {shown}, which no section shows")
        covered.update(family)
        rows.append((shown, where, family if "<" in shown else []))
    missing = sorted(ids - covered)
    if missing:
        raise ValueError(f"{DOC_TEMPLATE} does not describe the commentary sections {', '.join(missing)}")
    return rows


def render_doc(framework_path: Path = SAMPLE_FRAMEWORK) -> str:
    """``docs/data-contract.md`` as the declaration, the limits and the sections make it."""
    from qa_lib import limits, privacy
    from qa_lib.framework import load_framework

    framework = load_framework(framework_path)
    # The document's examples of matching come from the framework, never from this code.
    grades = [g for scale in framework.grade_scales.values() for g in scale.grades]
    example_grade = next((g for g in grades if "_" in g.id), grades[0])
    example_service = next((s for s in framework.services if s.name.lower() != s.id), framework.services[0])

    def named(test: Callable[[Column], bool]) -> list[str]:
        return list(dict.fromkeys(c.name for _, c in columns() if test(c)))

    return (
        _environment()
        .get_template(DOC_TEMPLATE)
        .render(
            tables=list(TABLES.values()),
            Kind=Kind,
            rules=rules(),
            either=either,
            article=article,
            category_columns=named(lambda c: c.kind is Kind.CATEGORY),
            fixed_columns=named(lambda c: c.kind is Kind.CATEGORY and bool(c.values and c.values.fixed)),
            yes_no_columns=named(lambda c: c.kind is Kind.YES_NO),
            date_columns=named(lambda c: c.kind is Kind.DATE),
            age_columns=named(lambda c: c.kind is Kind.AGE),
            id_columns=named(lambda c: c.kind is Kind.ID),
            identifier_columns=named(lambda c: c.identifier),
            blank_required=named(lambda c: c.required and c.blank),
            yes=YES,
            no=NO,
            max_age=MAX_AGE,
            shortest_number=privacy.SHORTEST_NUMBER,
            limits=limits.LIMITS,
            markdown_nesting=limits.MARKDOWN_NESTING,
            population=limits.POPULATION,
            commentary_rows=lambda described: _commentary_rows(framework, described),
            example_grade=example_grade,
            example_service=example_service,
        )
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m qa_lib.contract --write-docs``: write docs/data-contract.md from the declaration;
    ``--check``: exit 1 if the committed document differs."""
    parser = argparse.ArgumentParser(prog="python -m qa_lib.contract", description=main.__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write-docs", action="store_true", help=f"write {DOC}")
    action.add_argument("--check", action="store_true", help=f"exit 1 if {DOC} is not as generated")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project's checkout (default: here)")
    args = parser.parse_args(argv)
    text = render_doc(args.root / SAMPLE_FRAMEWORK)
    path = args.root / DOC
    if args.write_docs:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        print(f"{path} is not as the data contract generates it: run `make docs`", file=sys.stderr)
        return 1
    return 0


__all__ = [
    "Column",
    "Kind",
    "MAX_AGE",
    "NO",
    "TABLES",
    "Table",
    "Unique",
    "Values",
    "YES",
    "article",
    "columns",
    "either",
    "main",
    "render_doc",
    "rules",
]

if __name__ == "__main__":
    sys.exit(main())
