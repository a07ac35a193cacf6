"""The Makefile installs what each task needs, once: a report without the test tools, the
tests with them, JupyterLab at the project root."""

from __future__ import annotations

import subprocess

import pytest

from helpers import ROOT


def recipe(target: str) -> str:
    """What ``make`` would run for ``target`` on a fresh clone (every prerequisite remade)."""
    return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_a_report_installs_only_what_a_report_needs():
    installs = [line for line in recipe("report").splitlines() if "pip install" in line]
    assert installs[-1].endswith("pip install --quiet -e .")
    assert not [line for line in installs if "[" in line], "no extra (tests, lab) for a report"


@pytest.mark.parametrize("target", ["test", "unit", "lint"])
def test_the_tests_and_lint_install_the_test_extra(target):
    assert 'pip install --quiet -e ".[test]"' in recipe(target)


def test_lab_installs_its_extra_once_and_opens_at_the_project_root():
    text = recipe("lab")
    assert 'pip install --quiet -e ".[lab]"' in text and "[test" not in text
    assert "touch .venv/.installed-lab" in text, "a stamp: installed once"
    assert f'--ServerApp.root_dir="{ROOT}"' in text and "notebooks/quarterly_report.ipynb" in text
