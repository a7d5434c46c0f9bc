import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_screening_in_a_browser import csp_refusals
from tests.browser.test_trial_pages_in_a_browser import serious_violations
from tests.factories import CriterionFactory, TrialFactory
from tests.log.factories import PASSWORD, SiteFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_saves_a_screening_and_reopens_it(live_server, page: Page):
    site = SiteFactory(group__name="Leeds ALS clinic")
    UserFactory(username="dr_leeds", groups=[site.group])
    trial = TrialFactory(nct_id="NCT00000001", brief_title="Lung function trial")
    CriterionFactory(trial=trial, position=1, text="FVC at least 70%", rule="fvc_percent >= 70")
    refusals = csp_refusals(page)

    page.goto(live_server.url)
    expect(page.get_by_text("never stored")).to_be_visible()
    page.get_by_role("link", name="log in", exact=True).click()
    assert serious_violations(page) == []
    page.get_by_label("User name").fill("dr_leeds")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Patient reference")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("FVC").fill("65")
    expect(page.get_by_role("status")).to_contain_text("1 ineligible")
    page.get_by_label("FVC").press("Enter")  # shows results; never saves
    expect(page.get_by_label("FVC")).to_have_value("65")
    expect(page.get_by_role("heading", level=1)).to_have_text("Screen a patient for ALS trials")

    page.get_by_label("Patient reference").fill("Jane Doe")
    page.get_by_role("button", name="Save to the log").click()
    expect(page.locator("#reference-error")).to_contain_text("looks like a name")
    page.get_by_label("Patient reference").fill("ALS-0042")
    page.get_by_role("button", name="Save to the log").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Screening ALS-0042")
    expect(page.get_by_text("Saved to the log of Leeds ALS clinic as ALS-0042.")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Screening log").click()
    page.get_by_role("link", name="ALS-0042").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening ALS-0042")
    expect(
        page.get_by_text("FVC 65% of predicted is below the required 70%", exact=True)
    ).to_be_visible()

    page.get_by_role("link", name="Screen again now").click()
    expect(page.get_by_role("status")).to_contain_text("0 verdicts changed")
    assert serious_violations(page) == []
    assert refusals == []
