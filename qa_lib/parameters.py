"""The run's parameters, declared once: the command line, params files, the notebook's
parameters cell and :func:`~qa_lib.context.build_context` all take this model.

Two defaults are declared on purpose: the command's data root is ``data`` (a council's
real quarters), the notebook's is ``data/sample`` (so opening it runs the sample).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from qa_lib.errors import ParameterError
from qa_lib.quarter import Quarter

Mode = Literal["publication", "internal"]
Status = Literal["draft", "final"]
Format = Literal["html", "pdf", "docx", "xlsx"]

# Paths: relative to the project root in a params file, the notebook and the defaults.
PATHS = ("data_root", "framework", "output_dir", "reference_docx")
# The notebook's parameters cell: these names, with the notebook's defaults.
NOTEBOOK = ("quarter", "data_root", "framework", "mode", "status", "output_dir", "params_file")


def _notebook(default: Any, about: str) -> Any:
    return {"notebook": default, "about": about}


class RunParameters(BaseModel):
    """One run of one quarter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quarter: str = Field(
        description="financial-year quarter, e.g. 2013-14-Q4",
        json_schema_extra=_notebook("2013-14-Q4", "the quarter of the report"),
    )
    data_root: str = Field(
        "data",
        description="folder of quarter folders",
        json_schema_extra=_notebook("data/sample", "the sample: `make lab` runs it"),
    )
    framework: str = Field(
        "params/framework.yaml",
        description="framework YAML",
        json_schema_extra=_notebook("params/framework.yaml", "services, grades, surveys"),
    )
    mode: Mode = Field(
        "publication",
        description="publication: small numbers suppressed, marked OFFICIAL; "
        "internal: everything shown, marked OFFICIAL-SENSITIVE",
        json_schema_extra=_notebook("publication", 'or "internal": small numbers shown, marked OFFICIAL-SENSITIVE'),
    )
    status: Status = Field(
        "draft",
        description="draft: watermarked DRAFT on every page; final: for the committee",
        json_schema_extra=_notebook("draft", 'or "final": a draft is watermarked on every page'),
    )
    output_dir: str = Field(
        "outputs",
        description="where <quarter>/ is written",
        json_schema_extra=_notebook("outputs", "where earlier quarters' figures.json are found"),
    )
    params_file: str | None = Field(
        None,
        description="YAML params file, e.g. params/2013-14-Q4.yaml",
        json_schema_extra=_notebook(None, "recorded with its hash in the provenance"),
    )
    formats: tuple[Format, ...] = Field(("html", "pdf"), description="formats to write")
    reference_docx: str = Field(
        "params/reference.docx", description="Word document whose styles, margins and headers report.docx is built on"
    )

    @field_validator("quarter")
    @classmethod
    def _is_a_quarter(cls, value: str) -> str:
        return str(Quarter.parse(value))

    @classmethod
    def notebook_defaults(cls) -> dict[str, Any]:
        """The notebook's parameters cell: each name and its default there."""
        return {name: _extra(cls, name)["notebook"] for name in NOTEBOOK}

    @classmethod
    def notebook_notes(cls) -> dict[str, str]:
        """The notebook's parameters cell: each name and the comment beside it there."""
        return {name: str(_extra(cls, name)["about"]) for name in NOTEBOOK}

    def notebook(self) -> dict[str, Any]:
        """The values papermill passes to the notebook (plain strings)."""
        return {name: getattr(self, name) for name in NOTEBOOK}


def _extra(model: type[BaseModel], name: str) -> dict[str, Any]:
    """What a field declares for the notebook (its ``json_schema_extra``)."""
    extra = model.model_fields[name].json_schema_extra
    assert isinstance(extra, dict), name
    return extra


def parameters(**values: Any) -> RunParameters:
    """The parameters from keyword values (the command's defaults for the rest), each problem
    a :class:`ParameterError` naming the parameter and what it must be.

    Raises
    ------
    ParameterError
        For a missing, unknown or malformed parameter.
    """
    try:
        return RunParameters(**values)
    except ValidationError as exc:
        raise ParameterError(describe(exc)) from None


def notebook_parameters(**values: Any) -> RunParameters:
    """The parameters as the notebook takes them: its own defaults for what is not given."""
    given = {k: v for k, v in values.items() if v is not None or k == "params_file"}
    return parameters(**(RunParameters.notebook_defaults() | given))


def describe(exc: ValidationError, where: str = "") -> str:
    """A pydantic error as the analyst reads it: each parameter, its value and what it must be."""
    lines = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "(top level)"
        value = error.get("input")
        expected = error.get("ctx", {}).get("expected")
        if error["type"] == "literal_error" and expected:
            choices = expected.replace("'", "").replace(" or ", ", ")
            lines.append(f"{name} {value!r} is not one of {choices}")
        elif error["type"] == "extra_forbidden":
            lines.append(f"{name} is not a parameter (the parameters are {', '.join(RunParameters.model_fields)})")
        elif error["type"] == "value_error":
            lines.append(str(error["msg"]).removeprefix("Value error, "))
        else:
            lines.append(f"{name}: {error['msg']}")
    return (f"{where}: " if where else "") + "; ".join(lines)


# What a params file may hold: any parameter but ``params_file`` itself, each optional.
ParamsFile: type[BaseModel] = create_model(
    "ParamsFile",
    __config__=ConfigDict(extra="forbid"),
    **{
        name: (Optional[field.annotation], None)
        for name, field in RunParameters.model_fields.items()
        if name != "params_file"
    },
)  # type: ignore[call-overload]  # pydantic's fields by keyword, as it documents


def read_params_file(path: Path) -> dict[str, Any]:
    """A params file's values (only those it gives)."""
    from qa_lib.yamlfiles import read_yaml_model

    return read_yaml_model(path, ParamsFile, ParameterError, "params file").model_dump(exclude_none=True)
