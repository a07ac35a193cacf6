"""The framework definition: services, grade scales, standards, surveys.

The YAML is parsed into pydantic models, so a malformed framework is refused
with the file and the entry named before any data is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Iterator

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from qa_lib.errors import FrameworkError
from qa_lib.yamlfiles import read_yaml_model
from qa_lib.quarter import Quarter


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")]  # lowercase ids, as data are matched


class Option(_Model):
    """A categorical value the data may take, with the label the report shows."""

    id: Id
    label: str


class Grade(Option):
    """A grade; ``higher_is_better`` says whether a rise in its share is an
    improvement (true), a decline (false) or neither (left out)."""

    higher_is_better: bool | None = None


class Band(_Model):
    id: Id
    label: str
    grades: list[str] = Field(min_length=1)


class GradeScale(_Model):
    label: str
    grades: list[Grade] = Field(min_length=2)
    bands: list[Band] = []
    headline_band: str | None = None

    @model_validator(mode="after")
    def _bands_name_known_grades(self) -> GradeScale:
        ids = [g.id for g in self.grades]
        _unique(ids, "grade")
        _unique([b.id for b in self.bands], "band")
        for band in self.bands:
            unknown = [g for g in band.grades if g not in ids]
            if unknown:
                raise ValueError(f"band {band.id!r} names unknown grades {unknown}")
        if self.headline_band and self.headline_band not in {b.id for b in self.bands}:
            raise ValueError(f"headline_band {self.headline_band!r} is not one of the bands")
        return self

    @property
    def grade_ids(self) -> list[str]:
        return [g.id for g in self.grades]

    def grade(self, grade_id: str) -> Grade:
        return next(g for g in self.grades if g.id == grade_id)

    def band(self, band_id: str) -> Band:
        return next(b for b in self.bands if b.id == band_id)

    @property
    def worst_grade(self) -> Grade:
        return self.grades[-1]


class ScalePeriod(_Model):
    """A service's scale from a quarter on. ``band_map`` says which band of the
    previous period's scale carries over into which band of this one, so that
    comparisons and trends can cross the change; bands not mapped are not compared."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_quarter: str = Field(alias="from")
    scale: str | None
    band_map: dict[str, str] = {}

    @field_validator("from_quarter")
    @classmethod
    def _is_quarter(cls, value: str) -> str:
        Quarter.parse(value)
        return value


class Standard(Option):
    pass


class Service(_Model):
    id: Id
    name: str
    audit_unit: str = "cases"
    population_label: str | None = None
    scales: list[ScalePeriod] = Field(min_length=1)
    standards: list[Standard] = []

    @property
    def standard_ids(self) -> list[str]:
        return [s.id for s in self.standards]


class Question(_Model):
    id: Id
    text: str
    answers: str
    positive: list[str] = Field(min_length=1)
    positive_statement: str


class Survey(_Model):
    id: Id
    label: str
    respondent_noun: str
    population_label: str | None = None
    questions: list[Question] = Field(min_length=1)


class FeedbackTopic(_Model):
    id: Id
    title: str
    surveys: list[Survey] = Field(min_length=1)


class RespondentType(Option):
    plural: str


class AgeBand(Option):
    min: int = Field(ge=0)
    max: int = Field(le=25)


class Engagement(_Model):
    title: str = "Engagement in quality assurance"
    activity_types: list[Option] = []
    participant_roles: list[Option] = []
    location_types: list[Option] = []


class Exemption(_Model):
    """Counts shown however small, because they are not about children or respondents: a
    section of figures (``engagement``) or one measure of it (``engagement.type``)."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)?$")]
    label: str


class Framework(_Model):
    """The whole framework; look-ups by id are methods, never hard-coded ids."""

    name: str
    version: int = 1
    grade_scales: dict[str, GradeScale]
    case_types: list[Option] = []
    team_types: list[Option] = []
    auditor_roles: list[Option] = []
    services: list[Service] = Field(min_length=1)
    standards_attention_pct: float = 15
    suppression_threshold: int = Field(5, ge=0)
    suppression_exempt: list[Exemption] = []
    minimum_base: int = Field(30, ge=1)
    answer_sets: dict[str, list[Option]] = {}
    respondent_types: list[RespondentType] = []
    quote_age_bands: list[AgeBand] = []
    feedback_topics: list[FeedbackTopic] = []
    quote_themes: list[Option] = []
    engagement: Engagement = Engagement()

    @model_validator(mode="after")
    def _references_resolve(self) -> Framework:
        _unique([s.id for s in self.services], "service")
        for service in self.services:
            _unique(service.standard_ids, f"standard of service {service.id!r}")
            for period in service.scales:
                self._check_period(service.id, period)
        _unique([s.id for s in self.surveys], "survey")
        for survey in self.surveys:
            _unique([q.id for q in survey.questions], f"question of survey {survey.id!r}")
            for question in survey.questions:
                self._check_question(survey.id, question)
        for name in ("case_types", "team_types", "auditor_roles", "respondent_types", "quote_themes"):
            _unique([o.id for o in getattr(self, name)], name)
        return self

    def _check_period(self, service: str, period: ScalePeriod) -> None:
        """A scale period names a known scale, and maps only onto that scale's bands."""
        if period.scale is not None and period.scale not in self.grade_scales:
            raise ValueError(f"service {service!r} uses unknown grade scale {period.scale!r}")
        if period.band_map:
            new_bands = {b.id for b in self.grade_scales[period.scale].bands} if period.scale else set()
            unknown = sorted(set(period.band_map.values()) - new_bands)
            if unknown:
                raise ValueError(f"service {service!r} maps onto unknown bands {unknown} of scale {period.scale!r}")

    def _check_question(self, survey: str, question: Question) -> None:
        """A question's answer set exists, and its positive answers are in it."""
        answer_set = self.answer_sets.get(question.answers)
        if not answer_set:
            raise ValueError(
                f"survey {survey!r} question {question.id!r} uses answer set {question.answers!r}, "
                "which is not defined or has no answers"
            )
        unknown = set(question.positive) - {a.id for a in answer_set}
        if unknown:
            raise ValueError(
                f"survey {survey!r} question {question.id!r} counts unknown answers {sorted(unknown)} as positive"
            )

    # -- look-ups -----------------------------------------------------------------
    def service(self, service_id: str) -> Service:
        return next(s for s in self.services if s.id == service_id)

    @property
    def service_ids(self) -> list[str]:
        return [s.id for s in self.services]

    def period_for(self, service_id: str, quarter: Quarter) -> ScalePeriod | None:
        """The scale period of a service that covers ``quarter``."""
        chosen = None
        for period in sorted(self.service(service_id).scales, key=lambda p: Quarter.parse(p.from_quarter)):
            if Quarter.parse(period.from_quarter) <= quarter:
                chosen = period
        return chosen

    def scale_for(self, service_id: str, quarter: Quarter) -> GradeScale | None:
        """The grade scale a service uses in a quarter, or ``None`` if ungraded."""
        period = self.period_for(service_id, quarter)
        return self.grade_scales[period.scale] if period and period.scale else None

    def same_scale(self, service_id: str, a: Quarter, b: Quarter) -> bool:
        pa_, pb = self.period_for(service_id, a), self.period_for(service_id, b)
        return bool(pa_ and pb and pa_.scale and pa_.scale == pb.scale)

    def earlier_band(self, service_id: str, quarter: Quarter, earlier: Quarter, band_id: str) -> str | None:
        """The band of ``earlier``'s scale comparable with ``band_id`` in ``quarter``.

        Same scale: the same band. Across scale changes: followed back through each
        change's ``band_map``; ``None`` when a change maps nothing onto it.
        """
        if earlier > quarter:
            raise ValueError("earlier must not be after quarter")
        current: str | None = band_id
        step = quarter
        while step > earlier:
            prior = step.previous
            if not self.same_scale(service_id, step, prior):
                period = self.period_for(service_id, step)
                scale = self.scale_for(service_id, prior)
                if period is None or scale is None:
                    return None
                current = next((old for old, new in period.band_map.items() if new == current), None)
                if current is None or current not in {b.id for b in scale.bands}:
                    return None
            step = prior
        return current

    @property
    def surveys(self) -> list[Survey]:
        return [s for topic in self.feedback_topics for s in topic.surveys]

    def survey(self, survey_id: str) -> Survey:
        return next(s for s in self.surveys if s.id == survey_id)

    def answers(self, question: Question) -> list[Option]:
        return self.answer_sets[question.answers]

    def iter_questions(self) -> Iterator[tuple[Survey, Question]]:
        for survey in self.surveys:
            for question in survey.questions:
                yield survey, question


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} id {item!r}")
        seen.add(item)


def load_framework(path: Path) -> Framework:
    """Read and check a framework YAML file.

    Raises
    ------
    FrameworkError
        Naming the file and each entry that is wrong.
    """
    return read_yaml_model(path, Framework, FrameworkError, "framework file")
