import re

import pytest
from playwright.sync_api import Page, expect

from tests.admin.factories import PASSWORD, make_curator
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_curator_edits_a_rule_reading_it_back_in_plain_english(live_server, page: Page):
    trial = TrialFactory(nct_id="NCT03828123", brief_title="Autologous MSC in ALS")
    fvc = CriterionFactory(
        trial=trial, position=1, text="FVC at least 70% of predicted", rule="fvc_percent >= 70"
    )
    make_curator("cora")
    csp_refusals: list[str] = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and csp_refusals.append(m.text),
    )

    page.goto(f"{live_server.url}/admin/trials/trial/{trial.pk}/change/")
    page.get_by_label("Username:").fill("cora")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    rule = page.get_by_role("textbox", name="Rule for inclusion 1")
    expect(rule).to_have_accessible_description(re.compile("Reads as: FVC at least 70%"))

    rule.fill("fvc_percent >= 60 and not gastrostomy")
    expect(rule).to_have_accessible_description(
        re.compile("Reads as: FVC at least 60% of predicted and no gastrostomy")
    )

    rule.fill("fvc_percent >= 900")
    expect(rule).to_have_accessible_description(
        re.compile(r"Not a rule yet: Line 1, column 16: 900 is outside the possible range")
    )

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("Please correct the error below.")).to_be_visible()
    expect(
        page.get_by_role("listitem").filter(
            has_text="Line 1, column 16: 900 is outside the possible range of FVC (0 to 200%)"
        )
    ).to_be_visible()

    rule = page.get_by_role("textbox", name="Rule for inclusion 1")
    rule.fill("fvc_percent >= 60")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    expect(page.get_by_role("combobox", name="Review status for inclusion 1")).to_have_value(
        "edited"
    )

    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 60", Criterion.ReviewStatus.EDITED)
    assert csp_refusals == []
