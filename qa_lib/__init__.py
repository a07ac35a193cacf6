"""Quarterly quality assurance reporting for children's services.

The package is split by stage: :mod:`qa_lib.loading` reads a quarter's files,
:mod:`qa_lib.validation` checks them against the framework, :mod:`qa_lib.measures`
computes every figure as one tidy table (:mod:`qa_lib.figures`), :mod:`qa_lib.context`
makes a quarter ready for the paper, each module of :mod:`qa_lib.sections` says,
tabulates and draws one section (words in templates, :mod:`qa_lib.prose`) as plain
data (:mod:`qa_lib.paper`), :mod:`qa_lib.exporters` write each format,
:mod:`qa_lib.notebook` executes the notebook, :mod:`qa_lib.publishing` publishes the
outputs, :mod:`qa_lib.pipeline` runs the commands and :mod:`qa_lib.cli` parses them.
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
