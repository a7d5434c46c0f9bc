import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_trial_pages_in_a_browser import serious_violations
from tests.conftest import REGISTRY_DIR
from trials.curation import apply_curation, read_curation
from trials.models import Trial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seed_trials():
    for nct_id in ["NCT03828123", "NCT02492516"]:
        call_command("import_trials", str(REGISTRY_DIR / f"{nct_id}.json"), stdout=io.StringIO())
    apply_curation(read_curation(REGISTRY_DIR.parent / "curation.json"))
    # Completed in the registry; opened here so the default "open to enrolment" filter shows them.
    Trial.objects.update(overall_status="RECRUITING")


def group(page: Page, name: str):
    return page.get_by_role("region", name=name)


def csp_refusals(page: Page) -> list[str]:
    """Every refusal by the Content-Security-Policy from now on, across navigations: Chromium's
    console line (as the admin test listens for) and the page's securitypolicyviolation event,
    which also catches refusals that log nothing."""
    refusals: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refusals.append(m.text))
    page.expose_function("reportCspRefusal", lambda text: refusals.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', event =>"
        " window.reportCspRefusal(`${event.violatedDirective} refused ${event.blockedURI}`))"
    )
    return refusals


def test_a_clinician_sees_verdicts_change_as_they_type(live_server, page: Page, seed_trials):
    refusals = csp_refusals(page)
    page.goto(live_server.url)
    expect(page.get_by_role("status")).to_contain_text("0 eligible, 2 possibly eligible")
    assert serious_violations(page) == []

    page.get_by_label("Age").fill("50")
    page.get_by_label("El Escorial category").select_option("definite")
    page.get_by_label("FVC").fill("65")
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    expect(page.get_by_text("Fails only: FVC 65% of predicted")).to_be_visible()

    page.get_by_label("FVC").fill("75")
    expect(page.get_by_role("status")).to_contain_text("0 ineligible")

    page.get_by_label("FVC").fill("500")
    expect(page.locator("#fvc_percent-error")).to_contain_text("between 0 and 200")
    expect(page.get_by_role("status")).to_contain_text("1 value ignored")
    assert serious_violations(page) == []
    assert refusals == []


def test_the_page_works_with_javascript_off(live_server, browser: Browser, seed_trials):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url)
    page.get_by_label("Age").fill("70")
    page.get_by_role("button", name="Show results").click()
    expect(page.get_by_role("status")).to_contain_text("2 ineligible")
    expect(page.get_by_label("Age")).to_have_value("70")
    context.close()


def test_an_ineligible_trial_opens_to_its_full_criteria(live_server, page: Page, seed_trials):
    page.goto(live_server.url)
    page.get_by_label("FVC").fill("65")
    # Leaving the field sends the form once more; let that update land before opening a trial.
    page.get_by_label("FVC").blur()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    criteria = group(page, "Ineligible (1)").locator(".criteria-results")
    expect(criteria).to_have_count(0)  # only the deciding criterion until opened
    group(page, "Ineligible (1)").locator("summary").click()
    expect(criteria.get_by_text("FVC 65% of predicted, below 70%: excluded")).to_be_visible()
    expect(criteria.locator("li")).not_to_have_count(1)
    assert serious_violations(page) == []


def test_without_javascript_an_ineligible_trial_opens_in_full_by_its_button(
    live_server, browser: Browser, seed_trials
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url)
    page.get_by_label("FVC").fill("65")
    page.get_by_role("button", name="Show results").click()
    ineligible = group(page, "Ineligible (1)")
    ineligible.locator("summary").click()
    ineligible.get_by_role("button", name="Show all").click()
    criteria = group(page, "Ineligible (1)").locator(".criteria-results")
    expect(criteria.get_by_text("FVC 65% of predicted, below 70%: excluded")).to_be_visible()
    expect(page.get_by_label("FVC")).to_have_value("65")
    context.close()


def tab_to(page: Page, target, limit: int = 60) -> int:
    """Presses Tab until `target` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_the_form_is_usable_by_keyboard_alone(live_server, page: Page, seed_trials):
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Screening date")).to_be_focused()
    page.keyboard.type("2026-11-22")
    page.keyboard.press("Tab")
    closed = page.get_by_label("Include trials not open to enrolment")
    expect(closed).to_be_focused()
    page.keyboard.press("Space")
    expect(closed).to_be_checked()
    expect(page.locator("#uses-age")).to_have_text("2 trials use this")
    page.keyboard.press("Space")
    expect(closed).not_to_be_checked()
    expect(page.locator("#uses-age")).to_have_text("2 open trials use this")

    page.keyboard.press("Tab")
    expect(page.get_by_role("spinbutton", name="Age")).to_be_focused()
    page.keyboard.type("60")
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    page.keyboard.press("Tab")
    sex = page.get_by_label("Sex")
    expect(sex).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(sex).to_have_value("female")

    items = page.locator("summary").filter(has_text="Enter the 12 ALSFRS-R items")
    tab_to(page, items)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    speech = page.locator("#id_alsfrs_r_items_1")
    expect(speech).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(speech).to_have_value("4")
    expect(page.locator("#alsfrs-computed")).to_have_text(
        "1 of 12 items answered; the total is worked out when all 12 are."
    )
    expect(speech).not_to_have_attribute("aria-invalid", "true")

    # A live update still in flight would replace the results, and the focus with them.
    page.wait_for_load_state("networkidle")
    trial = page.locator("summary").filter(has_text="Adipose Derived")
    tab_to(page, trial)
    expect(page.get_by_text("Registry maximum age: 55 years")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Registry maximum age: 55 years")).to_be_visible()


def test_the_print_view_shows_the_summary_without_the_form(live_server, page: Page, seed_trials):
    page.goto(live_server.url)
    page.get_by_label("FVC").fill("65")
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    page.emulate_media(media="print")
    expect(page.locator("#screening-form")).to_be_hidden()
    expect(page.get_by_role("region", name="Values entered")).to_contain_text("65 % of predicted")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


@pytest.fixture
def demo_trials():
    """The demo's registry and hand-checked rules, as `make run` loads them: 6 trials open."""
    call_command("import_trials", str(REGISTRY_DIR), stdout=io.StringIO())
    apply_curation(read_curation(REGISTRY_DIR.parent / "curation.json"))


def pdf_pages(pdf: bytes) -> int:
    # Each page is a "/Type /Page" object; the page tree's root is "/Type /Pages".
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_the_printed_summary_of_the_demo_fits_on_two_pages(live_server, page: Page, demo_trials):
    page.goto(live_server.url)
    for field, value in [
        ("#id_age", "70"),
        ("#id_fvc_percent", "65"),
        ("#id_alsfrs_r", "38"),
        ("#id_symptom_onset", "2025-03"),
    ]:
        page.locator(field).fill(value)
    page.locator("#id_sex").select_option("male")
    page.locator("#id_el_escorial").select_option("definite")
    expect(page.get_by_role("status")).to_contain_text(
        "5 possibly eligible, 1 ineligible (6 trials"
    )

    page.emulate_media(media="print")
    printed = page.locator("#results")
    expect(printed.get_by_role("region", name="Values entered")).to_contain_text("2025-03")
    expect(printed.get_by_text("Missing: Diagnosis date.")).to_be_visible()
    expect(printed.get_by_text("12 criteria need clinician review.")).to_be_visible()
    expect(
        printed.get_by_text("Fails only: Age 70 years, beyond the 65-year limit")
    ).to_be_visible()
    expect(printed.locator(".criteria-results").first).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf_pages(pdf) <= 2


def test_the_print_button_is_there_only_when_it_can_print(
    live_server, browser: Browser, seed_trials
):
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(live_server.url)
        button = page.get_by_role("button", name="Print summary")
        # Playwright's text search skips <noscript>, so the hint is found by its place.
        hint = page.locator(".form-actions noscript .hint")
        if javascript:
            expect(button).to_be_visible()
            expect(hint).to_be_hidden()
        else:
            expect(button).to_be_hidden()
            expect(hint).to_be_visible()
            expect(hint).to_contain_text("use your browser's Print command")
        context.close()
