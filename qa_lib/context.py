"""A quarter made ready for the paper: loaded, validated, computed (with the quarters before
it, for comparison and trend), suppressed for its mode, its commentary read. Sections take
their figures, views and words from the :class:`Context` that :func:`build_context` makes.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from qa_lib import FIGURES_MIME
from qa_lib import figures as F
from qa_lib.commentary import (
    Commentary,
    blocks,
    context_values,
    fill_placeholders,
    for_final,
    identifying_details,
    parse_commentary,
)
from qa_lib.disclosure import View, suppressed
from qa_lib.errors import DataError, Problem
from qa_lib.figures import Figures
from qa_lib.framework import Framework, load_framework
from qa_lib.loading import (
    DATA_SET_FILE,
    TABLES,
    available_quarters,
    data_set_name,
    load_quarter,
    published_figures,
    quarter_folder,
)
from qa_lib.measures import compare, quarter_figures
from qa_lib.paper import Block
from qa_lib.parameters import notebook_parameters
from qa_lib.privacy import write_identifiers
from qa_lib.paths import display, project_root, resolve
from qa_lib import provenance as P
from qa_lib.quarter import Quarter
from qa_lib.validation import ValidQuarter, validate_quarter

log = logging.getLogger(__name__)

# Government Security Classifications: internal versions hold unsuppressed
# small numbers about vulnerable children.
MARKINGS = {"publication": "OFFICIAL", "internal": "OFFICIAL-SENSITIVE"}


@dataclass
class Computed:
    """One quarter's validated data and its figures table."""

    data: ValidQuarter
    frame: pd.DataFrame


@dataclass
class Context:
    """Everything the paper's sections draw on for one quarter."""

    framework: Framework
    quarter: Quarter
    mode: str
    status: str
    current: Computed
    previous: Computed | None
    views: dict[Quarter, View]
    history: list[tuple[Quarter, View | None]]
    commentary: Commentary
    warnings: list[Problem] = field(default_factory=list)
    revisions: list[tuple[str, Any, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    previous_missing: str = ""  # why the previous quarter is not compared with, when its data are invalid

    @property
    def data(self) -> ValidQuarter:
        return self.current.data

    @property
    def figures(self) -> pd.DataFrame:
        """This quarter's figures: the typed tidy table."""
        return self.current.frame

    @property
    def view(self) -> View:
        """This quarter as the report may show it in its mode."""
        return self.views[self.quarter]

    @property
    def previous_view(self) -> View:
        return self.views.get(self.quarter.previous) or View(
            Figures(F.empty()), available=False, unavailable_because=self.previous_missing
        )

    def publication_views(self) -> tuple[View, View]:
        """This quarter and the previous one as publication shows them, whatever the paper's
        mode: what the key messages may say."""
        if self.mode == "publication":
            return self.view, self.previous_view
        frames = {self.quarter: self.current.frame}
        if self.previous is not None:
            frames[self.quarter.previous] = self.previous.frame
        views = _views(self.framework, "publication", frames, self.quarter, self.revisions)
        before = views.get(self.quarter.previous)
        return views[self.quarter], before if before is not None else self.previous_view

    @property
    def marking(self) -> str:
        return MARKINGS[self.mode]

    @property
    def meeting(self) -> dict[str, Any]:
        return self.current.data.meeting

    @property
    def title(self) -> str:
        return str(self.meeting.get("title") or self.framework.name)

    def commentary_blocks(self, section: str) -> list[Block]:
        """The analysts' words for one section of the paper, as blocks."""
        text = self.commentary.get(section)
        return blocks(text) if text else []

    def figures_document(self) -> dict[str, Any]:
        """The content of ``figures.json``: derived from the figures tables."""
        return {
            "quarter": str(self.quarter),
            "previous_quarter": str(self.quarter.previous) if self.previous else None,
            "figures": F.to_keys(self.current.frame),
            "previous": F.to_keys(self.previous.frame) if self.previous else {},
        }

    def figures_output(self) -> FiguresOutput:
        """The figures and the paper's metadata, as the figures cell displays them for the renderer.
        (For a run, the quarter's identifiers go to the private file the command scans the
        outputs with; they are never displayed.)"""
        write_identifiers(self.data.tables, TABLES)
        return FiguresOutput(
            self.figures_document(),
            {
                "title": self.title,
                "marking": self.marking,
                "status": self.status,
                "mode": self.mode,
                "quarter": str(self.quarter),
                "document_date": self.document_date(),
                "next_update": self.current.data.next_update,
                "contact": self.meeting.get("contact") or {},
            },
            self.provenance,
            self._warnings_for_output(),
        )

    def _warnings_for_output(self) -> list[dict[str, Any]]:
        """The run's warnings, for the command to show once the notebook has run. A warning
        about the commentary goes without the words it warns about: they may identify someone,
        and the executed notebook is an output."""
        commentary = self.current.data.commentary_source
        return [asdict(replace(p, value=None) if commentary and p.file == commentary else p) for p in self.warnings]

    def document_date(self) -> str:
        """The date the PDF and spreadsheet carry: the meeting's, else the quarter's end,
        so that a re-run makes the same bytes."""
        try:
            return date.fromisoformat(str(self.meeting.get("date"))).isoformat()
        except ValueError:
            return self.quarter.end_date.isoformat()


@dataclass
class FiguresOutput:
    """What the renderer needs besides the sections: the figures, the paper's metadata,
    the provenance and the warnings."""

    document: dict[str, Any]
    meta: dict[str, Any]
    provenance: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        figures = self.document["figures"]
        text = (
            f"{len(figures)} figures for {self.document['quarter']}; previous quarter: "
            f"{self.document['previous_quarter'] or 'none'} ({len(self.document['previous'])} figures)"
        )
        return {
            FIGURES_MIME: {
                "figures": self.document,
                "meta": self.meta,
                "provenance": self.provenance,
                "warnings": self.warnings,
            },
            "text/plain": text,
        }


def compute_quarter(data_root: Path, quarter: Quarter, framework: Framework) -> Computed:
    """Load, validate and compute one quarter."""
    data = validate_quarter(load_quarter(data_root, quarter), framework)
    return Computed(data, quarter_figures(data, framework))


def build_context(
    quarter: str | None = None,
    data_root: str | None = None,
    framework: str | None = None,
    mode: str | None = None,
    status: str | None = None,
    output_dir: str | None = None,
    params_file: str | None = None,
) -> Context:
    """Load, validate and compute a quarter, its predecessor and its history.

    The parameters are :class:`~qa_lib.parameters.RunParameters`, with the notebook's
    defaults for those not given. Paths are relative to the project root, wherever the
    caller runs. ``mode`` is ``publication`` (small numbers suppressed) or ``internal``
    (everything shown); ``status`` is ``draft`` (watermarked) or ``final``. ``output_dir``
    is where earlier quarters' published ``figures.json`` are looked for.

    Raises
    ------
    InputError
        (or a subclass) for bad parameters, framework, data or commentary.
    """
    p = notebook_parameters(
        quarter=quarter,
        data_root=data_root,
        framework=framework,
        mode=mode,
        status=status,
        output_dir=output_dir,
        params_file=params_file,
    )
    root = project_root()
    this = Quarter.parse(p.quarter)
    framework_path, data_root_path, outputs_path = (
        resolve(path, root) for path in (p.framework, p.data_root, p.output_dir)
    )
    fw = load_framework(framework_path)
    current = compute_quarter(data_root_path, this, fw)
    data_set = data_set_name(data_root_path)
    computed, invalid = earlier_quarters(data_root_path, this, fw, current)
    # The paper and figures.json give the changes of this quarter and of the previous one
    # (its figures as published); earlier quarters appear only as levels in the trend.
    for q in (this.previous, this):
        if q in computed and q.previous in computed:
            computed[q].frame = compare(computed[q].frame, computed[q.previous].frame, fw, q)
    published, ignored = published_history(outputs_path, this, data_set)
    previous = computed.get(this.previous)
    revisions = _revisions(published.get(this.previous), F.to_keys(previous.frame)) if previous else []
    views = _views(
        fw,
        p.mode,
        {q: c.frame for q, c in computed.items()}
        | {q: F.from_keys(keys, str(q)) for q, keys in published.items() if q not in computed},
        this,
        revisions,
    )
    history = _history(views, this)
    commentary = _commentary(current, views.get(this), views.get(this.previous) if previous else None, fw, this)
    raw = current.data.commentary or ""
    source = current.data.commentary_source or f"{current.data.folder}/commentary.md"
    unwritten: list[Problem] = []
    if p.status == "final":
        from qa_lib.sections.committee import REQUIRED_FOR_FINAL

        commentary, unwritten = for_final(
            commentary, current.data.meeting, REQUIRED_FOR_FINAL, source, f"{current.data.folder}/quarter.yaml"
        )
        for problem in unwritten:
            log.warning(
                "%s: section %s is still marked %s: left out of the final paper",
                problem.file,
                problem.column,
                problem.value,
            )
    warnings = (
        current.data.warnings
        + report_warnings(
            fw, current, previous, this, display(quarter_folder(data_root_path, this.previous), root), invalid
        )
        + history_warnings(data_set, display(data_root_path, root), ignored, invalid)
        + (identifying_details(raw, source) if p.mode == "publication" else [])
        + unwritten
    )
    for problem in warnings:
        log.info(problem.describe())
    # Paths as the project sees them: no machine path or user name reaches an output. The
    # output folder is left out: the same inputs make the same report wherever it is written
    # (the published figures.json read from it are inputs, with their hashes).
    parameters = {
        "quarter": str(this),
        "data_root": display(data_root_path, root),
        "framework": display(framework_path, root),
        "mode": p.mode,
        "status": p.status,
        "params_file": f"{P.PARAMS}/{Path(p.params_file).name}" if p.params_file else None,
    }
    record = P.record(
        root,
        parameters,
        P.inputs(
            root,
            framework_path,
            p.params_file,
            data_root_path,
            data_set,
            [*computed, *invalid],
            published,
            outputs_path,
        ),
        data_set,
        revisions,
    )
    if not previous:
        views.pop(this.previous, None)  # a published figures.json alone is not a comparison
    why = f"the data for {this.previous.long_name} did not pass validation" if this.previous in invalid else ""
    return Context(
        fw,
        this,
        p.mode,
        p.status,
        current,
        previous,
        views,
        history,
        commentary,
        warnings,
        revisions=revisions,
        provenance=record,
        previous_missing=why,
    )


def _views(
    fw: Framework, mode: str, frames: dict[Quarter, pd.DataFrame], this: Quarter, revisions: list[tuple[str, Any, Any]]
) -> dict[Quarter, View]:
    """Each quarter as the report may show it: suppressed in publication mode, the previous
    quarter's revised figures marked."""
    from qa_lib.sections import REGISTRY

    revised = frozenset(found for key, _, _ in revisions if (found := F.locate(key)))
    views = {}
    for q, frame in frames.items():
        figures = Figures(frame)
        hidden: frozenset[F.FigureId] = frozenset()
        if mode == "publication":
            groups = [g for s in REGISTRY if s.groups for g in s.groups(figures, fw, q)]
            hidden = suppressed(figures, groups, fw.suppression_threshold, [e.name for e in fw.suppression_exempt])
        views[q] = View(figures, hidden, fw.minimum_base, revised=revised if q == this.previous else frozenset())
    return views


def _history(views: dict[Quarter, View], this: Quarter) -> list[tuple[Quarter, View | None]]:
    """Every quarter from the earliest known to this one; ``None`` where there is nothing."""
    history: list[tuple[Quarter, View | None]] = []
    if views:
        q = min(views)
        while q <= this:
            history.append((q, views.get(q)))
            q = q.next
    return history


def _commentary(current: Computed, now: View | None, before: View | None, fw: Framework, this: Quarter) -> Commentary:
    """commentary.md with its placeholders filled from the figures as shown, split into sections."""
    from qa_lib.sections import commentary_ids

    source = current.data.commentary_source or "commentary.md"
    empty = View(Figures(F.empty()), available=False)
    filled = fill_placeholders(
        current.data.commentary or "", now or empty, before or empty, context_values(this, this.previous), source
    )
    return parse_commentary(filled, commentary_ids(fw), source)


def earlier_quarters(
    data_root: Path, this: Quarter, fw: Framework, current: Computed
) -> tuple[dict[Quarter, Computed], dict[Quarter, list[Problem]]]:
    """This quarter and every earlier one the data root holds, computed; and the earlier
    quarters whose data are invalid, with their problems. An invalid earlier quarter is left
    out of the comparison and trend (with a warning), never a reason to refuse this one."""
    computed: dict[Quarter, Computed] = {this: current}
    invalid: dict[Quarter, list[Problem]] = {}
    for q in available_quarters(data_root):
        if q >= this:
            continue
        try:
            computed[q] = compute_quarter(data_root, q, fw)
        except DataError as exc:
            invalid[q] = exc.problems
    return computed, invalid


def published_history(
    outputs: Path, this: Quarter, data_set: str | None
) -> tuple[dict[Quarter, dict[str, Any]], dict[Quarter, str]]:
    """Figures of earlier quarters as published into ``outputs`` by runs of the same data set,
    and, for those not used, why not."""
    published: dict[Quarter, dict[str, Any]] = {}
    ignored: dict[Quarter, str] = {}
    for q in available_quarters(outputs):
        found = published_figures(outputs, q, data_set) if q < this else None
        if isinstance(found, str):
            ignored[q] = found
        elif found:
            published[q] = found[0]
    return published, ignored


def history_warnings(
    data_set: str | None, data_root: str, ignored: dict[Quarter, str], invalid: dict[Quarter, list[Problem]]
) -> list[Problem]:
    """What the analyst should know about the quarters the comparison and trend could not use."""
    warnings = []
    if data_set is None:
        warnings.append(
            Problem(
                "unnamed_data_set",
                f"{data_root}/{DATA_SET_FILE}",
                None,
                None,
                None,
                "a data_set.yaml naming this data set (data_set: <name>); without it the data root "
                "is a data set of its own and no published history is used",
                "warning",
            )
        )
    for q, why in sorted(ignored.items()):
        warnings.append(
            Problem(
                "published_history_ignored",
                f"{P.OUTPUT_DIR}/{q}/figures.json",
                None,
                None,
                None,
                f"published figures of this data set; not used as history: {why}",
                "warning",
            )
        )
    for q, problems in sorted(invalid.items()):
        # Named by rule and place only: a value could identify someone, and warnings reach the outputs.
        first = problems[0]
        where = (
            first.file
            + ("" if first.row is None else f", row {first.row}")
            + (f", column {first.column!r}" if first.column else "")
        )
        warnings.append(
            Problem(
                "earlier_quarter_invalid",
                first.file,
                None,
                None,
                None,
                f"valid data for {q}: it has {len(problems)} problem(s), the first [{first.rule}] in "
                f"{where}; {q} is left out of the comparison and trend until "
                f"`qa-report validate --quarter {q}` passes",
                "warning",
            )
        )
    return warnings


def _revisions(published: dict[str, Any] | None, recomputed: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Figures of the previous quarter whose published value differs from a recomputation."""
    if not published:
        return []
    changed = []
    for key in sorted(set(published) | set(recomputed)):
        old, new = published.get(key), recomputed.get(key)
        if isinstance(old, (int, float)) and isinstance(new, (int, float)) and math.isclose(old, new, abs_tol=1e-9):
            continue
        if old != new:
            changed.append((key, old, new))
    return changed


def report_warnings(
    framework: Framework,
    current: Computed,
    previous: Computed | None,
    quarter: Quarter,
    previous_folder: str,
    invalid: dict[Quarter, list[Problem]],
) -> list[Problem]:
    """What the analyst should know although the report can be made."""
    warnings = []
    if previous is None and quarter.previous not in invalid:
        warnings.append(
            Problem(
                "no_previous_quarter",
                previous_folder,
                None,
                None,
                None,
                f"data for {quarter.previous} to compare with; the report says no comparison is available",
                "warning",
            )
        )
    source = current.data.sources.get("case_audits", current.data.folder)
    figures = Figures(current.frame)
    for service in framework.services:
        if figures.count(F.audit(service.id, "audited")) == 0:
            warnings.append(
                Problem(
                    "service_without_audits",
                    source,
                    None,
                    "service",
                    service.id,
                    f"audits of {service.name}; the report says none were audited this quarter",
                    "warning",
                )
            )
    return warnings
