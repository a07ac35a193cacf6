"""The run's parameters are declared once: the notebook's parameters cell, the command line,
params files and build_context all take RunParameters."""

from __future__ import annotations

import ast
import io
import tokenize

import nbformat
import pytest

from qa_lib.cli import DEFAULTS, build_parser
from qa_lib.errors import ParameterError
from qa_lib.parameters import NOTEBOOK, ParamsFile, RunParameters, notebook_parameters, parameters

from helpers import ROOT


def test_the_notebook_parameters_cell_is_the_model_with_the_notebook_defaults():
    nb = nbformat.read(ROOT / "notebooks" / "quarterly_report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
    }
    assert assigned == RunParameters.notebook_defaults()
    assert list(assigned) == list(NOTEBOOK)
    # Each parameter's comment is its note in the model.
    comments = {
        token.start[0]: token.string.removeprefix("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(cell.source).readline)
        if token.type == tokenize.COMMENT
    }
    notes = {
        node.targets[0].id: comments.get(node.lineno)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
    }
    assert notes == RunParameters.notebook_notes()


def test_two_defaults_declared_on_purpose():
    assert RunParameters.notebook_defaults()["data_root"] == "data/sample", "make lab runs the sample"
    assert DEFAULTS["data_root"] == "data", "the command reads a council's own quarters"
    assert RunParameters.model_fields["data_root"].default == "data"
    assert notebook_parameters().data_root == "data/sample"
    assert parameters(quarter="2013-14-Q4").data_root == "data"


def test_the_command_line_options_come_from_the_model():
    run = build_parser()._subparsers._group_actions[0].choices["run"]  # noqa: SLF001 (argparse keeps them there)
    options = {action.dest: action for action in run._actions}  # noqa: SLF001
    for name, field in RunParameters.model_fields.items():
        assert name in options, name
        assert field.description in options[name].help, name
    assert options["mode"].choices == ("publication", "internal")
    assert options["status"].choices == ("draft", "final")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"quarter": "2013-14-Q4", "status": "drafty"}, "status 'drafty' is not one of draft, final"),
        ({"quarter": "2013-14-Q4", "mode": "open"}, "mode 'open' is not one of publication, internal"),
        ({"quarter": "2013-14-Q4", "dat_root": "x"}, "dat_root is not a parameter"),
        ({"quarter": "Q4"}, "is not of the form YYYY-YY-QN"),
        ({"quarter": "2013-14-Q4", "formats": ["html", "odt"]}, "formats.1"),
    ],
)
def test_a_bad_parameter_is_named_with_what_it_must_be(values, message):
    with pytest.raises(ParameterError, match=message):
        parameters(**values)


def test_a_params_file_holds_the_same_parameters_but_its_own_name():
    assert set(ParamsFile.model_fields) == set(RunParameters.model_fields) - {"params_file"}
