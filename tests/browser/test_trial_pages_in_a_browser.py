import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import CriterionFactory, TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def test_a_visitor_finds_a_trial_and_reads_its_criteria(live_server, page: Page):
    trial = TrialFactory(nct_id="NCT03828123", brief_title="Autologous MSC in ALS")
    CriterionFactory(trial=trial, position=1, text="FVC at least 70%")
    TrialFactory(nct_id="NCT00000002", brief_title="Another trial")

    page.goto(f"{live_server.url}/trials/")
    page.get_by_label("NCT ID, title or condition").fill("autologous")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 trial found.")
    page.get_by_role("link", name="Autologous MSC in ALS").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Autologous MSC in ALS")
    expect(page.get_by_role("heading", name="Inclusion criteria")).to_be_visible()
    expect(page.get_by_text("FVC at least 70%")).to_be_visible()
    assert serious_violations(page) == []
