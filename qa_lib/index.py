"""``<output dir>/index.html``: every published quarter of one data set at a glance.

Each quarter is listed with its status, the date it was published, each service's headline
share and a link to its paper, and a trend chart runs across them all. Only quarters whose
manifest names the run's data set are listed (a council's real quarters never sit beside the
sample's), and only figures as publication shows them: a quarter run internal-only is shown
with publication's suppression applied to its ``figures.json``, never its unsuppressed
counts. The page carries the highest protective marking among the quarters it lists.

The page is written atomically (a temporary file, then ``os.replace``) under its own lock,
so a failure leaves the previous index as it was, and two runs finishing together take turns.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from qa_lib import figures as F
from qa_lib.context import MARKINGS, _history, _views
from qa_lib.disclosure import NOT_APPLICABLE, SYMBOL_MEANINGS, View
from qa_lib.errors import LockedError
from qa_lib.exporters import FORMATS
from qa_lib.framework import Framework, load_framework
from qa_lib.loading import available_quarters, data_set_name
from qa_lib.paper import Block
from qa_lib.paths import display
from qa_lib.quarter import Quarter

log = logging.getLogger(__name__)

INDEX = "index.html"
# Markings from least to most protective: the page carries the highest of those it lists.
MARKING_ORDER = tuple(MARKINGS.values())
# How long a run waits for another run's index to be written (each writes it in well under a second).
LOCK_WAIT_SECONDS = 60


@dataclass(frozen=True)
class Headline:
    """One service's headline share in one quarter, as publication shows it."""

    service: str
    band: str
    share: str  # "73%", or the GSS symbol shown instead
    audited: str


@dataclass(frozen=True)
class Listed:
    """One published quarter as the index lists it."""

    quarter: Quarter
    status: str
    mode: str
    published: str  # the date the run finished, yyyy-mm-dd
    paper: str | None  # link to the paper, relative to the index
    headlines: list[Headline | None]  # one for each service listed; None: no headline that quarter


@dataclass(frozen=True)
class Published:
    """What a quarter's output folder records: its manifest and its figures."""

    quarter: Quarter
    manifest: dict[str, Any]
    figures: dict[str, Any]


def published_quarters(output_dir: Path, data_set: str | None, data_root: str) -> list[Published]:
    """Every quarter published into ``output_dir`` by a run of this data set, oldest first.

    A data root that names no data set is a data set of its own: its quarters are those whose
    manifest names no data set and this data root. A folder whose manifest or figures cannot be
    read is left out (it is no published quarter).
    """
    found = []
    for quarter in available_quarters(output_dir):
        folder = output_dir / str(quarter)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            document = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
            figures = document["figures"]
            parameters = manifest["parameters"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not isinstance(figures, dict) or document.get("quarter") != str(quarter):
            continue
        if manifest.get("data_set") != data_set:
            continue
        if data_set is None and parameters.get("data_root") != data_root:
            continue
        found.append(Published(quarter, manifest, figures))
    return found


def _headlines(fw: Framework, quarter: Quarter, view: View) -> list[Headline | None]:
    """Each service's headline share in the quarter (``None`` for a service without one)."""
    rows: list[Headline | None] = []
    for service in fw.services:
        scale = fw.scale_for(service.id, quarter)
        if scale is None or not scale.headline_band:
            rows.append(None)
            continue
        rows.append(
            Headline(
                service.name,
                scale.band(scale.headline_band).label,
                view.pct(F.audit(service.id, "band", scale.headline_band)),
                view.count(F.audit(service.id, "audited")),
            )
        )
    return rows


def _paper_link(output_dir: Path, published: Published) -> str | None:
    """The quarter's paper, relative to the index: HTML where it was written, else the first
    other format it has."""
    listed = published.manifest.get("formats") or []
    for kind in FORMATS:
        name = f"{published.quarter}/report.{kind}"
        if kind in listed and (output_dir / name).is_file():
            return name
    return None


def marking_of(modes: list[str]) -> str:
    """The highest protective marking among runs in these modes."""
    markings = [MARKINGS.get(mode, MARKING_ORDER[-1]) for mode in modes] or [MARKING_ORDER[0]]
    return max(markings, key=MARKING_ORDER.index)


def index_page(output_dir: Path, data_root: Path, framework: Path, root: Path) -> str | None:
    """The index page's HTML for the data set of ``data_root``; ``None`` when it has no
    published quarter in ``output_dir``."""
    from qa_lib.sections.audits import trend_chart, trend_series, trend_table

    data_set = data_set_name(data_root)
    quarters = published_quarters(output_dir, data_set, display(data_root, root))
    if not quarters:
        return None
    fw = load_framework(framework)
    # Publication's suppression, whatever mode each quarter was run in: figures.json holds the
    # figures before suppression, so they are never shown as they are.
    latest = quarters[-1].quarter
    views = _views(fw, "publication", {p.quarter: F.from_keys(p.figures, str(p.quarter)) for p in quarters}, latest, [])
    listed = [
        Listed(
            p.quarter,
            str(p.manifest["parameters"].get("status", "")),
            str(p.manifest["parameters"].get("mode", "")),
            str(p.manifest.get("finished", ""))[:10],
            _paper_link(output_dir, p),
            _headlines(fw, p.quarter, views[p.quarter]),
        )
        for p in reversed(quarters)
    ]
    # Services with a headline in no listed quarter have no column.
    shown = [i for i, service in enumerate(fw.services) if any(q.headlines[i] for q in listed)]
    listed = [replace(q, headlines=[q.headlines[i] for i in shown]) for q in listed]
    history = _history(views, latest)
    series, breaks = trend_series(fw, history)
    blocks: list[Block] = []
    if series:
        chart, table = trend_chart(history, series, breaks, None), trend_table(fw, history, series, breaks)
        chart.number, table.number = 1, 2  # the quarters' table is table 1
        blocks = [chart, table]
    symbols = set().union(*(view.notes for view in views.values()))
    if any(h is None for q in listed for h in q.headlines):
        symbols.add(NOT_APPLICABLE)
    from qa_lib.exporters.html import STYLESHEET, environment

    return (
        environment()
        .get_template("html/index.html.j2")
        .render(
            title=fw.name,
            data_set=data_set or display(data_root, root),
            marking=marking_of([q.mode for q in listed]),
            quarters=listed,
            services=[fw.services[i].name for i in shown],
            trend=blocks,
            symbols=[(symbol, SYMBOL_MEANINGS[symbol]) for symbol in sorted(symbols) if symbol in SYMBOL_MEANINGS],
            css=STYLESHEET.read_text(encoding="utf-8"),
        )
    )


def write_index(output_dir: Path, data_root: Path, framework: Path, root: Path) -> Path | None:
    """Write ``<output dir>/index.html`` for the data set of ``data_root``, atomically and under
    its own lock; return it, or ``None`` when the data set has no published quarter there.

    Raises
    ------
    LockedError
        When another run holds the index's lock for longer than :data:`LOCK_WAIT_SECONDS`.
    """
    target = output_dir / INDEX
    lock = FileLock(str(output_dir / f".{INDEX}.lock"))
    try:
        lock.acquire(timeout=LOCK_WAIT_SECONDS)
    except Timeout:
        raise LockedError(
            f"{target} is being written by another run (lock {lock.lock_file}); run again when it has finished"
        ) from None
    try:
        page = index_page(output_dir, data_root, framework, root)
        if page is None:
            return None
        handle, name = tempfile.mkstemp(prefix=f".{INDEX}.", suffix=".tmp", dir=output_dir)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(page)
            os.chmod(name, 0o644 & ~_umask())  # readable as the other outputs are, not mkstemp's 0600
            os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    finally:
        lock.release()
    log.info("index of published quarters written: %s", target)
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
