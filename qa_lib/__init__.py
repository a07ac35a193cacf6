"""Quarterly quality assurance reporting for children's services.

The package is split by stage: :mod:`qa_lib.loading` reads a quarter's files,
:mod:`qa_lib.validation` checks them against the framework,
:mod:`qa_lib.measures` computes every figure, :mod:`qa_lib.narrative`,
:mod:`qa_lib.tables` and :mod:`qa_lib.charts` present them,
:mod:`qa_lib.report` assembles the notebook's sections,
:mod:`qa_lib.rendering` executes and writes, :mod:`qa_lib.cli` is the command.
"""

from importlib.metadata import PackageNotFoundError, version

from qa_lib.errors import QAError

# The MIME type of the notebook's figures output: the report displays it, the renderer reads it.
FIGURES_MIME = "application/vnd.qa-workbook+json"

try:
    __version__ = version("qa-workbook")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["FIGURES_MIME", "QAError", "__version__"]
