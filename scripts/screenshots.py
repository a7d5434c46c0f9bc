"""Retake the README's screenshots from a running demo (`make run`), in Debian's Chromium.

.venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# A patient who meets some trials, misses one on FVC and waits for a stable riluzole dose.
PATIENT = {
    "age": "58",
    "symptom_onset": "2025-03",
    "alsfrs_r": "38",
    "fvc_percent": "68",
    "riluzole_since": "2026-11-01",
}
CHOICES = {"sex": "male", "el_escorial": "probable", "riluzole": "current"}


def fill_in(page: Page) -> None:
    for name, value in CHOICES.items():
        page.select_option(f"[name={name}]", value)
    for name, value in PATIENT.items():
        page.fill(f"[name={name}]", value)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # the live update is debounced


def main(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base_url)
        fill_in(page)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SHOTS / "screening.png")
        # Trials not open to enrolment: a line each; the first ineligible one opened.
        page.check("[name=show_closed]")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)
        page.locator(".closed-trials .verdict-ineligible summary").first.click()
        page.wait_for_load_state("networkidle")
        page.locator("#group-closed").evaluate("node => node.scrollIntoView()")
        page.screenshot(path=SHOTS / "results.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
