import io

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


def test_the_form_is_usable_by_keyboard_alone(live_server, page: Page, seed_trials):
    page.goto(live_server.url)
    page.get_by_label("Screening date").focus()
    page.keyboard.press("Tab")  # the "include closed trials" box
    page.keyboard.press("Tab")
    expect(page.get_by_label("Age")).to_be_focused()
    page.keyboard.type("60")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    summary = page.locator("summary").filter(has_text="Adipose Derived")
    summary.focus()
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
