import copy

import pytest
import yaml

from qa_lib.errors import FrameworkError
from qa_lib.framework import load_framework
from qa_lib.quarter import Quarter

from helpers import ROOT


def test_scale_changes_at_its_first_quarter(framework):
    before, after = Quarter.parse("2013-14-Q4"), Quarter.parse("2014-15-Q1")
    services = framework.service_ids
    assert services, "the sample framework defines services"
    changed = [s for s in services if framework.scale_for(s, before) != framework.scale_for(s, after)]
    assert changed, "the sample framework changes scale in 2014-15-Q1"
    ungraded_before = [s for s in services if framework.scale_for(s, before) is None]
    for service in ungraded_before:
        assert framework.scale_for(service, after) is not None


def test_a_quarter_before_any_scale_is_ungraded(framework):
    assert framework.scale_for(framework.service_ids[0], Quarter.parse("2001-02-Q1")) is None


def _broken(tmp_path, mutate):
    raw = yaml.safe_load((ROOT / "params" / "framework.yaml").read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    mutate(raw)
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda r: next(iter(r["grade_scales"].values()))["bands"][0]["grades"].append("brilliant"),
            "unknown grades ['brilliant']",
        ),
        (lambda r: r["services"].append(dict(r["services"][0])), "duplicate service id"),
        (
            lambda r: r["services"][0]["scales"].append({"from": "2015-16-Q1", "scale": "nope"}),
            "unknown grade scale 'nope'",
        ),
        (
            lambda r: r["feedback_topics"][0]["surveys"][0]["questions"][0].update(answers="missing"),
            "answer set 'missing'",
        ),
        (lambda r: next(iter(r["grade_scales"].values())).update(grades=[]), "grades"),
        (lambda r: r.update(surprise=1), "surprise"),
    ],
)
def test_inconsistent_framework_is_refused_naming_file_and_entry(tmp_path, mutate, message):
    path = _broken(tmp_path, mutate)
    with pytest.raises(FrameworkError) as err:
        load_framework(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_unreadable_yaml_names_the_file(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text("services: [unclosed", encoding="utf-8")
    with pytest.raises(FrameworkError, match="not valid YAML"):
        load_framework(path)
