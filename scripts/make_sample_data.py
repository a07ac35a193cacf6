"""Write the synthetic sample quarters in data/sample/ (deterministic).

Quarter 2013-14-Q4 reproduces every figure of the seed committee report
("Nottinghamshire Children's Services Quality Assurance Framework", report to the
Children and Young People's Committee, 16 June 2014) against 2013-14-Q3; the other quarters are plausible
synthetic data drawn from a seeded generator. Every identifier, person and
contact is invented. Run from the project root:

    python scripts/make_sample_data.py

Running it twice writes identical bytes.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path
from textwrap import dedent

import yaml

from qa_lib.quarter import Quarter

OUT = Path(__file__).resolve().parents[1] / "data" / "sample"
SEED = 20140616

# Auditor roles, case types and teams per service in the sample (fictional teams).
SERVICE_SHAPE = {
    "csc": {
        "case_types": ["child_in_need", "child_protection", "looked_after"],
        "auditors": ["team_manager", "team_manager", "practice_consultant", "service_manager", "director"],
        "teams": {
            "fieldwork": ["Northfield Assessment", "Riverside Child Protection", "Westbrook Fieldwork"],
            "looked_after": ["County Looked After Children 1", "County Looked After Children 2"],
            "disability": ["Children's Disability Service"],
        },
    },
    "tss": {
        "case_types": ["early_help"],
        "auditors": ["senior_practitioner", "team_manager"],
        "teams": {"targeted_support": ["Targeted Support North", "Targeted Support South"]},
    },
    "ncfp": {
        "case_types": ["family_support"],
        "auditors": ["quality_officer"],
        "teams": {"children_centre": ["Meadow Children's Centre", "Brookside Children's Centre"]},
    },
    "caf": {
        "case_types": ["early_help"],
        "auditors": ["quality_officer"],
        "teams": {"partner_agency": ["Partner agencies"]},
    },
}
AGENCIES = ["School", "Health visiting", "School nursing", "Voluntary sector"]


def spread(rng: random.Random, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` into whole counts close to ``weights``, at random but repeatably."""
    keys = list(weights)
    picks = rng.choices(keys, weights=[weights[k] for k in keys], k=total)
    return {k: picks.count(k) for k in keys}


class Writer:
    """Builds one quarter's tables row by row."""

    def __init__(self, quarter: Quarter, rng: random.Random):
        self.q = quarter
        self.rng = rng
        self.tag = f"{quarter.start_year % 100:02d}{quarter.number}"
        self.audits: list[dict] = []
        self.standards: list[dict] = []
        self.responses: list[dict] = []
        self.quotes: list[dict] = []
        self.engagement: list[dict] = []

    def day(self) -> str:
        span = (self.q.end_date - self.q.start_date).days
        return (self.q.start_date + timedelta(days=self.rng.randint(0, span))).isoformat()

    def ref(self) -> str:
        return f"CR{self.rng.getrandbits(32):08X}"

    def add_audits(
        self, service: str, grades: dict[str, int], team_types: dict[str, int], risk_yes: int | None = None
    ) -> list[dict]:
        shape = SERVICE_SHAPE[service]
        grade_list = [g for g, n in grades.items() for _ in range(n)]
        team_list = [t for t, n in team_types.items() for _ in range(n)]
        assert len(grade_list) == len(team_list), (service, len(grade_list), len(team_list))
        self.rng.shuffle(grade_list)
        rows = []
        for i, (grade, team_type) in enumerate(zip(grade_list, team_list)):
            row = {
                "audit_id": f"A{self.tag}-{service.upper()}-{i + 1:04d}",
                "service": service,
                "case_ref": self.ref(),
                "case_type": self.rng.choice(shape["case_types"]),
                "team": self.rng.choice(shape["teams"][team_type]),
                "team_type": team_type,
                "audit_date": self.day(),
                "auditor_role": self.rng.choice(shape["auditors"]),
                "grade": grade,
                "risk_of_harm": "",
                "agency": self.rng.choice(AGENCIES) if service == "caf" else "",
            }
            rows.append(row)
        if risk_yes is not None:
            for n, row in enumerate(rows):
                row["risk_of_harm"] = "yes" if n < risk_yes else "no"
        self.audits.extend(rows)
        return rows

    def add_standard(self, audits: list[dict], standard: str, by_team: dict[str, tuple[int, int, int]]) -> None:
        """``by_team``: team type → (met, not met, not applicable), summing to its audits."""
        for team_type, (met, not_met, na) in by_team.items():
            group = [a for a in audits if a["team_type"] == team_type]
            results = ["met"] * met + ["not_met"] * not_met + ["not_applicable"] * na
            assert len(results) == len(group), (standard, team_type, len(results), len(group))
            self.rng.shuffle(results)
            for audit, result in zip(group, results):
                self.standards.append({"audit_id": audit["audit_id"], "standard_id": standard, "result": result})

    def add_survey(self, survey: str, respondents: list[tuple[str, int | None]], answers: dict[str, list[str]]) -> None:
        """``answers``: question → one answer per respondent, in order ("" = not answered)."""
        ids = [f"P{self.tag}-{survey[:3].upper()}-{i + 1:03d}" for i in range(len(respondents))]
        for question, given in answers.items():
            assert len(given) == len(respondents), (survey, question)
            for rid, (rtype, age), answer in zip(ids, respondents, given):
                if answer:
                    self.responses.append(
                        {
                            "response_id": f"R{self.tag}-{len(self.responses) + 1:05d}",
                            "survey_id": survey,
                            "respondent_id": rid,
                            "respondent_type": rtype,
                            "respondent_age": "" if age is None else str(age),
                            "question_id": question,
                            "answer": answer,
                        }
                    )

    def add_activity(self, activity_type: str, role: str, location: str, description: str) -> None:
        self.engagement.append(
            {
                "activity_id": f"E{self.tag}-{len(self.engagement) + 1:03d}",
                "activity_date": self.day(),
                "activity_type": activity_type,
                "participant_role": role,
                "location_type": location,
                "description": description,
            }
        )

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tables = {
            "case_audits": self.audits,
            "practice_standards": self.standards,
            "feedback_responses": self.responses,
            "feedback_quotes": self.quotes,
            "engagement": self.engagement,
        }
        for name, rows in tables.items():
            if not rows:
                continue
            rows = sorted(rows, key=lambda r: (r.get("audit_date") or r.get("activity_date") or "", *r.values()))
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
                out = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
                out.writeheader()
                out.writerows(rows)


def answers(rng: random.Random, n: int, counts: dict[str, int], unanswered: int = 0) -> list[str]:
    given = [a for a, k in counts.items() for _ in range(k)] + [""] * unanswered
    assert len(given) == n, (counts, n)
    rng.shuffle(given)
    return given


def standard_split(rng: random.Random, n: int, met: float, na: float = 0.03) -> tuple[int, int, int]:
    counts = spread(rng, n, {"met": met * (1 - na), "not_met": (1 - met) * (1 - na), "na": na})
    return counts["met"], counts["not_met"], counts["na"]


# -- quarters ---------------------------------------------------------------------------


def seed_quarter(w: Writer) -> None:
    """2013-14-Q4: every figure of the seed report."""
    csc = w.add_audits(
        "csc", {"good": 70, "adequate": 192, "inadequate": 58}, {"fieldwork": 200, "looked_after": 80, "disability": 40}
    )
    w.add_standard(
        csc, "working_together", {"fieldwork": (183, 3, 14), "looked_after": (76, 2, 2), "disability": (35, 1, 4)}
    )
    w.add_standard(csc, "timescales", {"fieldwork": (146, 54, 0), "looked_after": (68, 8, 4), "disability": (32, 4, 4)})
    w.add_standard(
        csc, "management_oversight", {"fieldwork": (162, 38, 0), "looked_after": (74, 6, 0), "disability": (36, 4, 0)}
    )
    w.add_standard(
        csc, "case_recording", {"fieldwork": (155, 45, 0), "looked_after": (60, 20, 0), "disability": (35, 5, 0)}
    )
    w.add_audits(
        "tss", {"outstanding": 12, "good": 48, "requires_improvement": 32, "inadequate": 9}, {"targeted_support": 101}
    )
    w.add_audits("ncfp", {"": 235}, {"children_centre": 235})
    w.add_audits("caf", {"good": 4, "requires_improvement": 9, "inadequate": 2}, {"partner_agency": 15}, risk_yes=0)

    rng = w.rng
    ages = [6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15, 16, 17, 18]
    children = [("child" if a < 13 else "young_person", a) for a in ages]
    w.add_survey(
        "cp_child_interview",
        children,
        {
            "feels_safe": answers(rng, 14, {"yes": 14}),
            "understands_process": answers(rng, 14, {"yes": 10, "not_sure": 2, "no": 1}, unanswered=1),
            "would_change_something": answers(rng, 14, {"no": 12, "yes": 2}),
        },
    )
    w.add_survey(
        "cp_parent_questionnaire",
        [("parent_carer", None)] * 4,
        {
            "felt_listened_to": answers(rng, 4, {"yes": 3, "not_sure": 1}),
        },
    )
    w.add_survey(
        "ehc_parent_interview",
        [("parent_carer", None)] * 21,
        {
            "overall_satisfaction": answers(rng, 21, {"very_satisfied": 9, "satisfied": 12}),
            "plan_reflects_child": answers(rng, 21, {"yes": 21}),
            "aware_of_local_offer": answers(rng, 21, {"yes": 7, "no": 14}),
            "informed_personal_budgets": answers(rng, 21, {"yes": 3, "no": 18}),
        },
    )
    ehu = [("parent_carer", None)] * 18 + [("young_person", 17)] + [("professional", None)] * 6
    w.add_survey(
        "ehu_contact_interview",
        ehu,
        {
            "staff_helpful": answers(rng, 25, {"yes": 25}),
            "feedback_on_time": answers(rng, 25, {"yes": 19, "no": 6}),
            "good_point_of_contact": answers(rng, 25, {"yes": 20, "not_sure": 3, "no": 2}),
        },
    )
    quote = lambda i, rtype, band, theme, kind, text, approved="yes": w.quotes.append(  # noqa: E731
        {
            "quote_id": f"Q{w.tag}-{i:03d}",
            "survey_id": "cp_child_interview",
            "respondent_type": rtype,
            "age_band": band,
            "theme": theme,
            "kind": kind,
            "text": text,
            "approved": approved,
        }
    )
    quote(
        1,
        "young_person",
        "age_12_15",
        "relationship_with_worker",
        "positive",
        "(the social worker) did the right things to help her feel safe. She talked us through it and "
        "made me feel like it wasn't my fault",
    )
    quote(
        2,
        "young_person",
        "age_12_15",
        "relationship_with_worker",
        "positive",
        "She's nice and kind. She's always honest. She's been straight with me. I have always understood "
        "her. She made the right choice for me to be living where I am",
    )
    quote(
        3,
        "young_person",
        "age_16_25",
        "keeping_promises",
        "improvement",
        'They sometimes said "I will sort things out" when they never did/got round to it',
    )
    quote(
        4,
        "child",
        "age_5_11",
        "communication",
        "improvement",
        "I did not want anyone to read what I said about my dad",
        approved="no",
    )

    for location, role, text in [
        ("out_of_area", "elected_member", "Visit to an out-of-area residential placement"),
        ("out_of_area", "senior_officer", "Visit to an out-of-area residential placement"),
        ("internal", "elected_member", "Visit to a council children's home"),
        ("internal", "elected_member", "Visit to a council children's home"),
        ("external", "senior_officer", "Visit to an independent children's home"),
    ]:
        w.add_activity("residential_home_visit", role, location, text)
    for text in [
        "Visit to the Multi-Agency Safeguarding Hub",
        "Visit to the Early Help Unit",
        "Visit to a district office",
    ]:
        w.add_activity("office_visit", "elected_member", "internal", text)
    for _ in range(4):
        w.add_activity("director_case_audit", "senior_officer", "internal", "Case file audit with the practitioner")
    for _ in range(3):
        w.add_activity("shadowing", "elected_member", "internal", "Shadowing a social worker")
    w.add_activity("forum_attendance", "elected_member", "internal", "Children in Care Council meeting")
    w.add_activity("forum_attendance", "senior_officer", "internal", "Social work staff forum")
    for _ in range(2):
        w.add_activity("scrutiny_board", "chief_executive", "internal", "Scrutiny of Safeguarding Board meeting")


def q3_quarter(w: Writer) -> None:
    """2013-14-Q3: the comparison quarter of the seed (82% vs about 80%; 52% and 18% for TSS)."""
    csc = w.add_audits(
        "csc", {"good": 66, "adequate": 174, "inadequate": 60}, {"fieldwork": 190, "looked_after": 72, "disability": 38}
    )
    standards_like(w, csc)
    w.add_audits(
        "tss", {"outstanding": 10, "good": 42, "requires_improvement": 30, "inadequate": 18}, {"targeted_support": 100}
    )
    w.add_audits("ncfp", {"": 220}, {"children_centre": 220})
    w.add_audits("caf", {"good": 3, "requires_improvement": 8, "inadequate": 3}, {"partner_agency": 14}, risk_yes=0)
    rng = w.rng
    ages = [8, 10, 12, 14, 15, 16]
    w.add_survey(
        "cp_child_interview",
        [("child" if a < 13 else "young_person", a) for a in ages],
        {
            "feels_safe": answers(rng, 6, {"yes": 5, "not_sure": 1}),
            "understands_process": answers(rng, 6, {"yes": 4, "not_sure": 2}),
            "would_change_something": answers(rng, 6, {"no": 5, "yes": 1}),
        },
    )
    some_engagement(w, 8)


def random_quarter(w: Writer, scale: str) -> None:
    """Another quarter: plausible counts from the seeded generator."""
    rng = w.rng
    if scale == "2013":
        csc_grades = spread(rng, rng.randint(280, 330), {"good": 0.22, "adequate": 0.57, "inadequate": 0.21})
        tss_grades = spread(
            rng,
            rng.randint(90, 110),
            {"outstanding": 0.1, "good": 0.38, "requires_improvement": 0.32, "inadequate": 0.2},
        )
        caf_grades = spread(rng, rng.randint(10, 18), {"good": 0.3, "requires_improvement": 0.5, "inadequate": 0.2})
        ncfp_grades = {"": rng.randint(200, 240)}
    else:
        ofsted = {"outstanding": 0.08, "good": 0.5, "requires_improvement": 0.3, "inadequate": 0.12}
        csc_grades = spread(rng, rng.randint(280, 330), ofsted)
        tss_grades = spread(rng, rng.randint(90, 110), ofsted)
        caf_grades = spread(rng, rng.randint(12, 20), ofsted)
        ncfp_grades = spread(rng, rng.randint(200, 240), ofsted)
    n = sum(csc_grades.values())
    csc = w.add_audits("csc", csc_grades, spread(rng, n, {"fieldwork": 0.62, "looked_after": 0.25, "disability": 0.13}))
    standards_like(w, csc)
    w.add_audits("tss", tss_grades, {"targeted_support": sum(tss_grades.values())})
    w.add_audits("ncfp", ncfp_grades, {"children_centre": sum(ncfp_grades.values())})
    w.add_audits("caf", caf_grades, {"partner_agency": sum(caf_grades.values())}, risk_yes=0)


def standards_like(w: Writer, csc: list[dict]) -> None:
    """Practice standards near the seed's levels, for a quarter other than the seed's."""
    rng = w.rng
    sizes = {t: sum(a["team_type"] == t for a in csc) for t in ("fieldwork", "looked_after", "disability")}
    targets = {
        "working_together": {"fieldwork": 0.96, "looked_after": 0.97, "disability": 0.97},
        "timescales": {"fieldwork": 0.72, "looked_after": 0.9, "disability": 0.9},
        "management_oversight": {"fieldwork": 0.8, "looked_after": 0.92, "disability": 0.9},
        "case_recording": {"fieldwork": 0.78, "looked_after": 0.76, "disability": 0.88},
    }
    for standard, by_team in targets.items():
        w.add_standard(csc, standard, {t: standard_split(rng, sizes[t], met) for t, met in by_team.items()})


def some_engagement(w: Writer, n: int) -> None:
    kinds = [
        ("residential_home_visit", "elected_member", "internal", "Visit to a council children's home"),
        ("office_visit", "elected_member", "internal", "Visit to a district office"),
        ("director_case_audit", "senior_officer", "internal", "Case file audit with the practitioner"),
        ("shadowing", "elected_member", "internal", "Shadowing a social worker"),
    ]
    for _ in range(n):
        w.add_activity(*w.rng.choice(kinds))


OFSTED = ["outstanding", "good", "requires_improvement", "inadequate"]


def moderate(w: Writer, service: str, n: int) -> None:
    """A moderator regrades ``n`` audits: mostly agreeing, otherwise one grade apart."""
    rng = w.rng
    for row in w.audits:
        row.setdefault("moderated_grade", "")
    audits = [a for a in w.audits if a["service"] == service and a["grade"]]
    for row in rng.sample(audits, n):
        index = OFSTED.index(row["grade"])
        if rng.random() < 0.75:
            row["moderated_grade"] = row["grade"]
        else:
            step = rng.choice([-1, 1]) if 0 < index < len(OFSTED) - 1 else (1 if index == 0 else -1)
            row["moderated_grade"] = OFSTED[index + step]


def later_quarter(w: Writer) -> None:
    """2014-15-Q1: every service on the Ofsted scale, the family support service now
    graded, and the first moderation exercise."""
    random_quarter(w, "ofsted")
    moderate(w, "csc", 40)
    moderate(w, "tss", 12)
    rng = w.rng
    ages = [7, 9, 11, 12, 13, 14, 15, 16, 16, 17]
    w.add_survey(
        "cp_child_interview",
        [("child" if a < 13 else "young_person", a) for a in ages],
        {
            "feels_safe": answers(rng, 10, {"yes": 9, "not_sure": 1}),
            "understands_process": answers(rng, 10, {"yes": 8, "not_sure": 2}),
            "would_change_something": answers(rng, 10, {"no": 8, "yes": 2}),
        },
    )
    w.add_survey(
        "ehc_parent_interview",
        [("parent_carer", None)] * 24,
        {
            "overall_satisfaction": answers(rng, 24, {"very_satisfied": 10, "satisfied": 11, "dissatisfied": 3}),
            "plan_reflects_child": answers(rng, 24, {"yes": 21, "no": 3}),
            "aware_of_local_offer": answers(rng, 24, {"yes": 13, "no": 11}),
            "informed_personal_budgets": answers(rng, 24, {"yes": 9, "no": 15}),
        },
    )
    some_engagement(w, 10)


# -- quarter.yaml and commentary.md ----------------------------------------------------

MEETING_DATES = {
    "2013-14-Q1": date(2013, 9, 16),
    "2013-14-Q2": date(2013, 12, 9),
    "2013-14-Q3": date(2014, 3, 17),
    "2013-14-Q4": date(2014, 6, 16),
    "2014-15-Q1": date(2014, 9, 15),
    "2014-15-Q2": date(2014, 12, 8),
}


def quarter_yaml(q: Quarter, populations: dict) -> dict:
    return {
        "meeting": {
            "council": "Nottinghamshire County Council",
            "committee": "Children and Young People's Committee",
            "date": MEETING_DATES[str(q)].isoformat(),
            "agenda_item": 5,
            "title": "Children's Services Quality Assurance Framework",
            "report_of": "the Service Director, Youth, Families and Culture",
            # Fictional people and contacts (Ofcom's drama telephone range, example.org).
            "author": {"name": "Alex Morgan", "role": "Service Director: Youth, Families and Culture"},
            "contact": {
                "name": "Sam Taylor",
                "role": "Group Manager: Quality and Improvement",
                "telephone": "01632 960 123",
                "email": "sam.taylor@example.org",
            },
        },
        "populations": populations,
        # The next quarter's paper goes to the committee's next meeting.
        "next_update": MEETING_DATES[str(q.next)].isoformat(),
    }


COMMON_CLOSE = """
## other_options

The report is for noting only.

## reasons

The report is for noting only.

## statutory_implications

This report has been compiled after consideration of implications in respect of crime and disorder, finance, human resources, human rights, the public sector equality duty, safeguarding of children and vulnerable adults, service users, sustainability and the environment and ways of working and where such implications are material they are described below. Appropriate consultation has been undertaken and advice sought on these issues as required.

## recommendation

1) That the outcomes from activity undertaken within the Children's Services Quality Assurance framework in the period {quarter.months} ({quarter.name}) be noted.

## constitutional_comments

As this report is for noting only, no Constitutional Comments are required.

## financial_comments

There are no financial implications arising directly from this report.

## electoral_divisions

All.
"""

SHORT_COMMENTARY = (
    """## purpose

To provide an update on outcomes from activity undertaken within the Children's Services Quality Assurance Framework in the period {quarter.months} ({quarter.name}).
"""
    + COMMON_CLOSE
)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    seed_dir = Path(__file__).resolve().parent / "sample_text"
    OUT.mkdir(parents=True)
    # The data set's name: published history is only used by runs of the same data set.
    (OUT / "data_set.yaml").write_text(
        "# The synthetic sample: no real child, family or case.\ndata_set: synthetic-sample\n", encoding="utf-8"
    )
    plan = [
        ("2013-14-Q1", lambda w: random_quarter(w, "2013"), {"audits": {"caf": 95}}),
        ("2013-14-Q2", lambda w: random_quarter(w, "2013"), {"audits": {"caf": 102}}),
        ("2013-14-Q3", q3_quarter, {"audits": {"caf": 100}}),
        (
            "2013-14-Q4",
            seed_quarter,
            {"audits": {"caf": 107}, "feedback": {"ehc_parent_interview": 140, "ehu_contact_interview": 500}},
        ),
        ("2014-15-Q1", later_quarter, {"audits": {"caf": 110}, "feedback": {"ehc_parent_interview": 150}}),
    ]
    for index, (name, build, populations) in enumerate(plan):
        quarter = Quarter.parse(name)
        writer = Writer(quarter, random.Random(SEED + index))
        build(writer)
        folder = OUT / name
        writer.write(folder)
        with open(folder / "quarter.yaml", "w", encoding="utf-8") as handle:
            handle.write("# Synthetic sample quarter: every person and contact is fictional.\n")
            yaml.safe_dump(quarter_yaml(quarter, populations), handle, sort_keys=False, allow_unicode=True)
        own = seed_dir / f"{name}.md"
        text = own.read_text(encoding="utf-8") + COMMON_CLOSE if own.exists() else SHORT_COMMENTARY
        (folder / "commentary.md").write_text(dedent(text).lstrip(), encoding="utf-8")
    print(f"wrote {len(plan)} quarters to {OUT}")


if __name__ == "__main__":
    main()
