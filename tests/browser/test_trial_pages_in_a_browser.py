import re

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


def test_a_visitor_finds_a_trial_by_part_of_its_nct_id_and_hears_sub_criteria_as_nested_lists(
    live_server, page: Page
):
    trial = TrialFactory(
        nct_id="NCT03828123", brief_title="Autologous MSC in ALS", intervention_model="SINGLE_GROUP"
    )
    diagnosis = CriterionFactory(trial=trial, position=1, text="Diagnosis of ALS")
    CriterionFactory(trial=trial, position=2, parent=diagnosis, text="Definite or probable")
    CriterionFactory(trial=trial, position=3, text="Age 18 to 80")
    TrialFactory(nct_id="NCT02492516", brief_title="Adipose MSC in ALS")

    page.goto(f"{live_server.url}/trials/")
    page.get_by_label("NCT ID, title or condition").fill("nct0382")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 trial found.")
    page.get_by_role("link", name="Autologous MSC in ALS").click()

    expect(page.get_by_text("Single group", exact=True)).to_be_visible()
    inclusion = page.get_by_role("region", name="Inclusion criteria")
    top_level = inclusion.get_by_role("list").first.locator("> li")
    expect(top_level).to_have_count(2)
    sub_list = top_level.first.get_by_role("list")
    expect(sub_list.get_by_role("listitem")).to_have_text(re.compile("Definite or probable"))
    assert serious_violations(page) == []
