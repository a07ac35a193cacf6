"""The paper's words: sentences, captions, notes and boilerplate live in Jinja templates
(``templates/prose/<section>.j2``), one macro per sentence; the code passes figures and
labels in and takes plain text out. Text is not escaped here: every format escapes it
when it lays the text out.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def _environment() -> jinja2.Environment:
    from qa_lib.formatting import join_words

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("qa_lib", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["join_words"] = join_words  # "a, b and c"
    return environment


@cache
def _module(name: str) -> Any:
    return _environment().get_template(f"prose/{name}.j2").module


def say(template: str, sentence: str, **values: Any) -> str:
    """One sentence (or phrase) of a prose template, with the template's white space
    folded: a macro may spread over lines for reading."""
    text = str(getattr(_module(template), sentence)(**values))
    return " ".join(text.split())


def render(template: str, **values: Any) -> str:
    """A whole prose template (for example the methodology, in Markdown), as written."""
    return _environment().get_template(f"prose/{template}").render(**values)


def skeleton(name: str, **values: Any) -> str:
    """A file ``new-quarter`` writes for the analyst to fill in (``templates/quarter/<name>.j2``)."""
    return _environment().get_template(f"quarter/{name}.j2").render(**values) + "\n"
