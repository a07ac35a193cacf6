"""Regenerate docs/screenshots/ from the sample quarter's outputs and the index of quarters
(make screenshots).

The HTML is captured in headless Chromium (Debian's package, driven by
Playwright); the PDF's first pages are rendered with pypdfium2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "outputs" / "2013-14-Q4"
INDEX = ROOT / "outputs" / "index.html"
OUT = ROOT / "docs" / "screenshots"

sys.path.insert(0, str(ROOT / "tests"))
from helpers import CHROMIUM, launch_chromium  # noqa: E402  the browser as the tests launch it


def main() -> int:
    if not (REPORT / "report.html").exists():
        print("run `make report` first", file=sys.stderr)
        return 1
    if CHROMIUM is None:
        print("install Debian's chromium first (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.goto((REPORT / "report.html").resolve().as_uri())
        page.screenshot(path=str(OUT / "report-html.png"))
        if INDEX.exists():
            page.goto(INDEX.resolve().as_uri())
            page.screenshot(path=str(OUT / "index.png"))
        browser.close()
    pdf = pypdfium2.PdfDocument(str(REPORT / "report.pdf"))
    for index in range(3):
        pdf[index].render(scale=1.2).to_pil().save(OUT / f"report-pdf-page-{index + 1}.png")
    print(f"screenshots written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
