"""outputs/index.html: every published quarter of the run's data set at a glance, with
publication's figures only, the highest marking, written atomically once per command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from filelock import FileLock

from qa_lib import cli, index, pipeline
from qa_lib import figures as F
from qa_lib.errors import LockedError
from qa_lib.quarter import Quarter

from helpers import ROOT, SAMPLE

FRAMEWORK = ROOT / "params" / "framework.yaml"
Q3, Q4 = "2013-14-Q3", "2013-14-Q4"


def publish(
    out: Path,
    sample_context,
    quarter: str,
    data_set: str | None,
    mode: str = "publication",
    status: str = "draft",
    data_root: str = "data/sample",
) -> Path:
    """A quarter's output folder as a run leaves it, for the index to read: its figures.json (the
    figures before suppression, as every run writes them), manifest and paper."""
    folder = out / quarter
    folder.mkdir(parents=True)
    document = sample_context(quarter).figures_document()
    (folder / "figures.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "data_set": data_set,
                "formats": ["html"],
                "finished": "2014-05-01T10:00:00+00:00",
                "parameters": {"quarter": quarter, "data_root": data_root, "mode": mode, "status": status},
            }
        ),
        encoding="utf-8",
    )
    (folder / "report.html").write_text("<p>paper</p>", encoding="utf-8")
    return folder


def write(out: Path, data_root: Path = SAMPLE) -> BeautifulSoup:
    assert index.write_index(out, data_root, FRAMEWORK, ROOT) == out / "index.html"
    return BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")


def quarters_listed(soup: BeautifulSoup) -> list[str]:
    return [th.get_text() for th in soup.find("table").tbody.find_all("th", scope="row")]


def test_lists_only_the_quarters_of_the_runs_data_set(tmp_path, sample_context):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q3, "synthetic-sample")
    publish(out, sample_context, Q4, "council-test")
    soup = write(out)
    assert quarters_listed(soup) == [Quarter.parse(Q3).short_label]
    assert [a["href"] for a in soup.find("table").find_all("a")] == [f"{Q3}/report.html"]
    council = tmp_path / "council"
    council.mkdir()
    (council / "data_set.yaml").write_text("data_set: council-test\n", encoding="utf-8")
    assert quarters_listed(write(out, council)) == [Quarter.parse(Q4).short_label]


def test_lists_every_published_quarter_latest_first_with_status_date_and_link(tmp_path, sample_context):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q3, "synthetic-sample", status="final")
    publish(out, sample_context, Q4, "synthetic-sample")
    soup = write(out)
    rows = soup.find("table").tbody.find_all("tr")
    assert quarters_listed(soup) == [Quarter.parse(Q4).short_label, Quarter.parse(Q3).short_label]
    cells = [[c.get_text() for c in row.find_all(["th", "td"])] for row in rows]
    assert cells[0][1:3] == ["draft", "2014-05-01"] and cells[1][1] == "final"
    assert [a["href"] for a in soup.find("table").find_all("a")] == [f"{Q4}/report.html", f"{Q3}/report.html"]
    # A trend chart across them, with its data in a table beside it.
    figure = soup.find("figure")
    assert figure.img["src"].startswith("data:image/svg+xml") and len(figure.img["alt"]) > 40
    assert len(soup.find_all("table")) == 2


@pytest.mark.parametrize(
    "modes, marking",
    [
        (("publication", "publication"), "OFFICIAL"),
        (("publication", "internal"), "OFFICIAL-SENSITIVE"),
        (("internal", "publication"), "OFFICIAL-SENSITIVE"),
    ],
)
def test_carries_the_highest_marking_among_the_quarters_listed(tmp_path, sample_context, modes, marking):
    out = tmp_path / "outputs"
    for quarter, mode in zip((Q3, Q4), modes):
        publish(out, sample_context, quarter, "synthetic-sample", mode=mode)
    soup = write(out)
    assert soup.find("p", class_="marking").get_text() == marking
    assert soup.title.get_text().startswith(f"{marking}: ")


def test_a_quarter_of_another_data_set_does_not_raise_the_marking(tmp_path, sample_context):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q3, "synthetic-sample")
    publish(out, sample_context, Q4, "council-test", mode="internal")
    assert write(out).find("p", class_="marking").get_text() == "OFFICIAL"


@pytest.mark.parametrize("mode", ["publication", "internal"])
def test_shows_only_figures_as_publication_shows_them(tmp_path, sample_context, framework, mode):
    """An internal run's figures.json holds counts publication suppresses: never shown."""
    out = tmp_path / "outputs"
    publish(out, sample_context, Q4, "synthetic-sample", mode=mode)
    soup = write(out)
    published, internal = sample_context(Q4).view, sample_context(Q4, mode="internal").view
    cells = [td.get_text() for td in soup.find("table").tbody.find_all("td", class_="headline")]
    services = [
        s for s in framework.services if (sc := framework.scale_for(s.id, Quarter.parse(Q4))) and sc.headline_band
    ]
    assert len(cells) == len(services)
    suppressed = 0
    for service, cell in zip(services, cells):
        fid = F.audit(service.id, "band", framework.scale_for(service.id, Quarter.parse(Q4)).headline_band)
        assert cell.startswith(published.pct(fid) + " "), (service.id, cell)
        if published.hidden(fid):
            suppressed += 1
            assert cell.startswith("[c]") and not cell.startswith(internal.pct(fid))
    assert suppressed >= 1, "the sample has a suppressed headline to check"
    assert "[c]: confidential" in soup.get_text()


def test_is_self_contained_with_no_script(tmp_path, sample_context):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q4, "synthetic-sample")
    text = write(out) and (out / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert not soup.find_all(["script", "link", "iframe"])
    assert all(img["src"].startswith("data:") for img in soup.find_all("img"))
    assert not re.search(r"(src|href)=\"(https?:)?//", text) and "url(http" not in text


def test_is_written_atomically_the_previous_index_surviving_a_failure(tmp_path, sample_context, monkeypatch):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q3, "synthetic-sample")
    write(out)
    before = (out / "index.html").read_bytes()
    publish(out, sample_context, Q4, "synthetic-sample")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index.os, "replace", fail)
    with pytest.raises(OSError):
        index.write_index(out, SAMPLE, FRAMEWORK, ROOT)
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".index.html.") and p.suffix == ".tmp") == []


def test_a_failed_index_is_a_warning_for_a_published_quarter(tmp_path, sample_context, monkeypatch, caplog):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q4, "synthetic-sample")

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(index, "index_page", broken)
    assert cli._write_index(out, SAMPLE, FRAMEWORK) is None
    assert "index of quarters" in caplog.text and "template missing" in caplog.text
    assert not (out / "index.html").exists()


def test_waits_for_its_own_lock_and_then_refuses(tmp_path, sample_context, monkeypatch):
    out = tmp_path / "outputs"
    publish(out, sample_context, Q4, "synthetic-sample")
    monkeypatch.setattr(index, "LOCK_WAIT_SECONDS", 0.1)
    with FileLock(str(out / ".index.html.lock")):
        with pytest.raises(LockedError, match="index.html is being written by another run"):
            index.write_index(out, SAMPLE, FRAMEWORK, ROOT)
    assert not (out / "index.html").exists()


def test_no_published_quarter_writes_no_index(tmp_path):
    (tmp_path / "outputs").mkdir()
    assert index.write_index(tmp_path / "outputs", SAMPLE, FRAMEWORK, ROOT) is None
    assert not (tmp_path / "outputs" / "index.html").exists()


def test_batch_writes_the_index_once_at_its_end(tmp_path, monkeypatch, capsys):
    """Each quarter's run leaves the index alone (--no-index); batch writes it once."""
    out = tmp_path / "outputs"
    seen: dict[str, list] = {"options": [], "index": []}

    def fake_batch(quarters, options, output_dir, jobs, progress):
        seen["options"] = options
        assert seen["index"] == [], "the index is written after every quarter has run"
        return [pipeline.BatchResult(str(q), "ok", 1.0, output_dir / str(q)) for q in quarters]

    monkeypatch.setattr(pipeline, "batch", fake_batch)
    monkeypatch.setattr(cli, "_write_index", lambda *args: seen["index"].append(args) or out / "index.html")
    assert (
        cli.main(["batch", "--from", "2013-14-Q1", "--to", Q4, "--data-root", "data/sample", "--output-dir", str(out)])
        == 0
    )
    assert "--no-index" in seen["options"]
    assert len(seen["index"]) == 1 and seen["index"][0][0] == out
    assert "index.html" in capsys.readouterr().out


def test_a_root_naming_no_data_set_lists_only_its_own_quarters(tmp_path, sample_context):
    """Without data_set.yaml a data root is a data set of its own: quarters of other unnamed roots,
    and of named data sets, are left out."""
    out = tmp_path / "outputs"
    root = tmp_path / "council"
    root.mkdir()
    publish(out, sample_context, "2013-14-Q2", None, data_root="council")
    publish(out, sample_context, Q3, None, data_root="another")
    publish(out, sample_context, Q4, "synthetic-sample")
    assert quarters_listed(write(out, root)) == [Quarter.parse("2013-14-Q2").short_label]
