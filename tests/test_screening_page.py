import re
from datetime import date

import pytest
from django.utils import timezone

from screening.catalogue import current_catalogue
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion, OverallStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def trials():
    fvc = TrialFactory(nct_id="NCT00000001", brief_title="FVC trial")
    CriterionFactory(trial=fvc, position=1, text="FVC at least 70%", rule="fvc_percent >= 70")
    onset = TrialFactory(nct_id="NCT00000002", brief_title="Early disease trial")
    CriterionFactory(
        trial=onset, position=1, text="Onset within 24 months", rule="months_since_onset <= 24"
    )
    closed = TrialFactory(
        nct_id="NCT00000003", brief_title="Closed trial", overall_status=OverallStatus.COMPLETED
    )
    CriterionFactory(
        trial=closed,
        position=1,
        kind=Criterion.Kind.EXCLUSION,
        text="Gastrostomy",
        rule="gastrostomy",
    )
    return fvc, onset, closed


def trial_groups(response) -> dict[str, list[str]]:
    return {
        group.verdict: [view.info.nct_id for view in group.trials]
        for group in response.context["results"].groups
    }


def test_the_form_has_a_field_per_entered_measure_grouped_in_sections(client, trials):
    html = client.get("/").content.decode()
    for name in ["age", "sex", "el_escorial", "fvc_percent", "symptom_onset", "riluzole"]:
        assert f'name="{name}"' in html
    assert html.count('name="alsfrs_r_items"') == 12
    assert 'name="alsfrs_r_bulbar"' not in html  # derived, never entered
    for legend in ["Patient", "Diagnosis", "Function", "Breathing", "Treatments", "Other"]:
        assert f"<legend>{legend}</legend>" in html
    assert 'hx-headers=\'{"X-CSRFToken"' in html


def test_fields_no_trial_uses_sit_behind_more_fields(client, trials):
    sections = {s.slug: s for s in client.get("/").context["sections"]}
    breathing = sections["breathing"]
    assert [f.measure.name for f in breathing.fields] == ["fvc_percent"]
    assert "svc_percent" in [f.measure.name for f in breathing.more]
    assert breathing.fields[0].trials == 1
    diagnosis = {f.measure.name: f.trials for f in sections["diagnosis"].fields}
    assert diagnosis == {"symptom_onset": 1}


def test_a_blank_form_shows_every_open_trial_as_possibly_eligible(client, trials):
    response = client.get("/")
    assert trial_groups(response) == {
        "eligible": [],
        "possibly_eligible": ["NCT00000001", "NCT00000002"],
        "ineligible": [],
    }
    assert response.context["results"].closed_hidden == 1


def test_closed_trials_show_on_request_after_the_open_ones_with_status_and_verdict(client, trials):
    response = client.post("/", {"show_closed": "on"})
    results = response.context["results"]
    assert "NCT00000003" not in trial_groups(response)["possibly_eligible"]
    [closed] = results.closed
    assert (closed.info.nct_id, closed.verdict_label) == ("NCT00000003", "Possibly eligible")
    html = response.content.decode()
    section = html[html.index('id="group-closed"') :]
    assert "Not open to enrolment (1)" in section
    assert "Completed" in section
    assert "<strong>Possibly eligible</strong>" in section
    # A line: its criteria load when it is opened (or with the button, without JavaScript).
    assert 'hx-post="/results/NCT00000003/criteria"' in section
    assert 'name="expand" value="NCT00000003"' in section


def test_a_closed_trial_opens_in_full_without_javascript(client, trials):
    response = client.post("/", {"show_closed": "on", "expand": "NCT00000003"})
    [closed] = response.context["results"].closed
    assert closed.expanded
    html = response.content.decode()
    section = html[html.index('id="group-closed"') :]
    assert "<details open>" in section
    assert 'class="criteria-results"' in section


def test_results_group_trials_by_verdict_with_counts(client, trials):
    response = client.post("/", {"fvc_percent": "80", "symptom_onset": "2010-01-01"})
    assert trial_groups(response) == {
        "eligible": ["NCT00000001"],
        "possibly_eligible": [],
        "ineligible": ["NCT00000002"],
    }
    summary = re.search(
        r'id="results-summary" role="status">(.*?)</p>', response.content.decode(), re.S
    )
    assert " ".join(summary.group(1).split()).startswith(
        "1 eligible, 0 possibly eligible, 1 ineligible"
    )


def test_an_ineligible_trial_is_collapsed_to_its_near_miss(client, trials):
    html = client.post("/", {"fvc_percent": "65"}).content.decode()
    article = re.search(
        r'aria-labelledby="trial-NCT00000001">.*?(<details.*?)</article>', html, re.S
    )
    summary = article.group(1).split("</summary>")[0]
    assert "Fails only: FVC 65% of predicted is below the required 70%" in summary


def test_refused_alsfrs_r_items_mark_all_twelve_selects_invalid(client, trials):
    items = ["4"] * 11  # and one no item can score
    html = client.post("/", {"alsfrs_r_items": [*items, "5"]}).content.decode()
    selects = re.findall(r'<select id="id_alsfrs_r_items_\d+"[^>]*>', html)
    assert len(selects) == 12
    assert all('aria-invalid="true"' in select for select in selects)
    assert (
        'id="alsfrs_r_items-error">Each ALSFRS-R item is a whole number from 0 to 4; '
        "item 12 is not."
    ) in html


def test_alsfrs_r_items_left_blank_are_not_marked_invalid(client, trials):
    html = client.post("/", {"fvc_percent": "80"}).content.decode()
    selects = re.findall(r'<select id="id_alsfrs_r_items_\d+"[^>]*>', html)
    assert len(selects) == 12
    assert not any("aria-invalid" in select for select in selects)


def ineligible_entry(html: str, nct_id: str) -> str:
    return re.search(rf'aria-labelledby="trial-{nct_id}">(.*?)</article>', html, re.S).group(1)


def test_an_ineligible_trials_other_criteria_are_not_rendered_until_asked_for(client, trials):
    fvc, _, _ = trials
    CriterionFactory(trial=fvc, position=2, text="Able to swallow pills", rule="")
    entry = ineligible_entry(client.post("/", {"fvc_percent": "65"}).content.decode(), fvc.nct_id)
    assert "Able to swallow pills" not in entry
    assert 'hx-post="/results/NCT00000001/criteria" hx-trigger="toggle once"' in entry
    assert 'name="expand" value="NCT00000001"' in entry  # the way without JavaScript
    assert "Show all 2 criteria" in entry


def test_an_ineligible_trials_full_criteria_load_for_the_values_in_the_form(client, trials):
    fvc, _, _ = trials
    CriterionFactory(trial=fvc, position=2, text="Able to swallow pills", rule="")
    response = client.post("/results/NCT00000001/criteria", {"fvc_percent": "65"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "FVC 65% of predicted is below the required 70%" in html
    assert "Needs clinician review: Able to swallow pills" in html


def test_the_full_criteria_of_a_trial_not_loaded_are_not_found(client, trials):
    assert client.post("/results/NCT09999999/criteria", {}).status_code == 404


def test_without_javascript_the_show_all_button_opens_that_trial_in_full(client, trials):
    fvc, _, _ = trials
    CriterionFactory(trial=fvc, position=2, text="Able to swallow pills", rule="")
    html = client.post("/", {"fvc_percent": "65", "expand": "NCT00000001"}).content.decode()
    entry = ineligible_entry(html, fvc.nct_id)
    assert "<details open>" in entry
    assert "Needs clinician review: Able to swallow pills" in entry
    assert "Show all" not in entry


def test_an_invalid_value_is_reported_at_its_field_and_ignored(client, trials):
    response = client.post("/", {"fvc_percent": "500", "age": "50"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="fvc_percent-error">FVC must be a percent of predicted between 0 and 200' in html
    assert 'aria-invalid="true"' in html
    assert "1 value ignored" in html
    assert 'value="50"' in html  # nothing else lost
    assert response.context["reading"].patient.entered == {"age": 50}


def test_a_date_in_the_future_is_an_error_at_its_field(client, trials):
    next_year = timezone.localdate().year + 1
    response = client.post("/", {"symptom_onset": f"{next_year}-01-01"})
    assert "symptom_onset" in response.context["reading"].errors


def test_a_month_is_enough_for_a_date(client, trials):
    response = client.post("/", {"symptom_onset": "2010-03", "fvc_percent": "80"})
    assert response.context["reading"].errors == {}
    assert "NCT00000002" in trial_groups(response)["ineligible"]


def test_the_live_update_returns_only_the_results_and_field_errors(client, trials):
    response = client.post("/", {"fvc_percent": "500"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Vary"] == "HX-Request"
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert 'id="fvc_percent-error" hx-swap-oob="true">FVC must be' in html
    assert 'id="age-error" hx-swap-oob="true"></p>' in html
    assert '<p id="results-summary" role="status" hx-swap-oob="innerHTML">' in html
    assert "1 value ignored" in html


def test_a_boosted_request_gets_the_full_page(client, trials):
    response = client.post(
        "/", {"fvc_percent": "80"}, headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in response.content.decode()


def test_the_alsfrs_r_items_give_the_total_and_subscores(client, trials):
    items = ["4", "4", "3", "4", "3", "3", "4", "2", "2", "4", "4", "3"]
    response = client.post("/", {"alsfrs_r_items": items})
    assert "ALSFRS-R total 40; bulbar 11, fine motor 10, gross motor 8, respiratory 11" in (
        response.content.decode()
    )


def test_items_still_being_answered_are_unknown_with_a_quiet_hint_not_an_error(client, trials):
    items = ["4", "3", "", "4", "2", "", "", "", "1", "", "", ""]
    response = client.post("/", {"alsfrs_r_items": items}, headers={"HX-Request": "true"})
    reading = response.context["reading"]
    assert reading.errors == {}
    assert "alsfrs_r_items" not in reading.patient.entered
    assert "alsfrs_r" not in reading.patient.facts
    html = response.content.decode()
    assert (
        '<p class="computed" id="alsfrs-computed" hx-swap-oob="true">'
        "5 of 12 items answered; the total is worked out when all 12 are.</p>"
    ) in html
    assert 'id="alsfrs_r_items-error" hx-swap-oob="true"></p>' in html
    assert "ignored" not in html


def test_items_still_being_answered_are_not_marked_invalid_on_the_full_page(client, trials):
    items = ["4", "3", "", "", "", "", "", "", "", "", "", ""]
    html = client.post("/", {"alsfrs_r_items": items}).content.decode()
    selects = re.findall(r'<select id="id_alsfrs_r_items_\d+"[^>]*>', html)
    assert len(selects) == 12
    assert not any("aria-invalid" in select for select in selects)
    assert "2 of 12 items answered" in html
    assert 'class="notice notice-warning"' not in html


def test_a_bad_item_among_items_still_being_answered_is_an_error(client, trials):
    items = ["4", "seven", "", "", "", "", "", "", "", "", "", ""]
    reading = client.post("/", {"alsfrs_r_items": items}).context["reading"]
    assert reading.errors["alsfrs_r_items"] == [
        "Each ALSFRS-R item is a whole number from 0 to 4; item 2 is not."
    ]


def test_a_time_window_is_shown_and_closing_windows_come_first(client, trials):
    # Later by NCT ID than the 24-month window (NCT00000002) but closing sooner, and the
    # catalogue lists trials by NCT ID: only a sort by date puts it first.
    soon = TrialFactory(nct_id="NCT00000004", brief_title="One-year window")
    CriterionFactory(
        trial=soon, position=1, text="Onset within 12 months", rule="months_since_onset <= 12"
    )
    onset = timezone.localdate().replace(day=1).isoformat()
    response = client.post("/", {"symptom_onset": onset, "fvc_percent": "80"})
    eligible = trial_groups(response)["eligible"]
    # The FVC trial has no window, so it comes last.
    assert eligible == ["NCT00000004", "NCT00000002", "NCT00000001"]
    windows = [view.result.window_closes for view in response.context["results"].groups[0].trials]
    assert windows[0] < windows[1]
    assert windows[2] is None
    assert "Window closes" in response.content.decode()


def test_the_next_question_is_the_value_that_settles_most_trials(client, trials):
    other = TrialFactory(nct_id="NCT00000005")
    CriterionFactory(trial=other, position=1, text="SVC", rule="fvc_percent >= 50")
    response = client.post("/", {"symptom_onset": "2025-01"})
    question = response.context["results"].next_question
    assert (question.measure.name, question.trials) == ("fvc_percent", 2)


def test_the_screening_date_can_be_set(client, trials):
    response = client.post("/", {"as_of": "2026-01-15"})
    assert response.context["reading"].as_of == date(2026, 1, 15)
    bad = client.post("/", {"as_of": "soon"})
    assert "as_of" in bad.context["reading"].errors


def test_the_print_summary_lists_the_values_entered(client, trials):
    html = client.post("/", {"fvc_percent": "65", "age": "50"}).content.decode()
    summary = html[html.index('class="entered-values print-only"') :]
    assert "<dt>Age</dt><dd>50 years</dd>" in summary
    assert "<dt>FVC</dt><dd>65 % of predicted</dd>" in summary


def test_entered_text_comes_back_escaped(client, trials):
    html = client.post("/", {"gene_variants": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def fragment_links_without_a_target(html: str) -> list[str]:
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    return [href for href in re.findall(r'href="#([^"]+)"', html) if href not in ids]


def test_most_useful_next_links_to_the_alsfrs_r_items_when_it_suggests_them(client, trials):
    for n in (6, 7):
        subscore = TrialFactory(nct_id=f"NCT0000000{n}")
        CriterionFactory(trial=subscore, position=1, text="Bulbar", rule="alsfrs_r_bulbar >= 9")
    html = client.post("/", {"fvc_percent": "80"}).content.decode()
    assert 'Most useful next: <a href="#id_alsfrs_r_items">ALSFRS-R item scores</a>' in html
    assert '<details class="alsfrs-items" id="id_alsfrs_r_items">' in html
    assert fragment_links_without_a_target(html) == []


def test_every_ignored_value_links_to_its_field(client, trials):
    data = {
        "as_of": "soon",
        "fvc_percent": "500",
        "svc_percent": "500",  # a field behind "more fields"
        "alsfrs_r_items": ["5"] * 12,
    }
    html = client.post("/", data).content.decode()
    start = html.index('class="notice notice-warning"')
    notice = html[start : html.index("</ul>", start)]
    assert len(re.findall(r'href="#', notice)) == 4
    assert fragment_links_without_a_target(html) == []


def uses(html: str, name: str) -> str:
    return re.search(rf'<span class="uses" id="uses-{name}"[^>]*>(.*?)</span>', html)[1]


def test_the_count_beside_a_field_counts_the_trials_shown(client, trials):
    # Only the closed trial (NCT00000003) asks about a gastrostomy.
    response = client.get("/")
    html = response.content.decode()
    fields = {f.measure.name: f for s in response.context["sections"] for f in s.fields}
    assert (fields["gastrostomy"].trials, fields["fvc_percent"].trials) == (0, 1)
    assert uses(html, "gastrostomy") == "No open trial uses this"
    assert uses(html, "fvc_percent") == "1 open trial uses this"

    everything = client.post("/", {"show_closed": "on"})
    html = everything.content.decode()
    fields = {f.measure.name: f for s in everything.context["sections"] for f in s.fields}
    assert fields["gastrostomy"].trials == 1
    assert uses(html, "gastrostomy") == "1 trial uses this"


def test_the_counts_beside_the_fields_follow_the_filter_in_a_live_update(client, trials):
    live = client.post("/", {"show_closed": "on"}, headers={"HX-Request": "true"})
    html = live.content.decode()
    assert '<span class="uses" id="uses-gastrostomy" hx-swap-oob="true">1 trial uses this' in html
    assert '<span class="uses" id="uses-alsfrs_r_items" hx-swap-oob="true">' in html
    # Fields stay where they are: a field only a closed trial asks for is not "more".
    for filtered in (live, client.post("/", {})):
        [function] = [s for s in filtered.context["sections"] if s.slug == "patient"]
        assert "gastrostomy" not in [f.measure.name for f in function.more]


def test_the_catalogue_counts_each_field_over_the_open_trials_and_over_all(trials):
    # Counted when the catalogue loads, not on every request.
    catalogue = current_catalogue()
    assert catalogue.shown_usage(show_closed=False).get("gastrostomy", 0) == 0
    assert catalogue.shown_usage(show_closed=True)["gastrostomy"] == 1
    assert catalogue.shown_usage(show_closed=False)["fvc_percent"] == 1


def trial_article(html: str, nct_id: str) -> str:
    return re.search(rf'aria-labelledby="trial-{nct_id}">(.*?)</article>', html, re.S)[1]


def test_the_printed_summary_gives_each_trial_its_reasons_not_its_criteria(client, trials):
    fvc, onset, _ = trials
    CriterionFactory(trial=onset, position=2, text="Able to swallow pills", rule="")
    html = client.post("/", {"age": "50", "symptom_onset": "2010-01"}).content.decode()
    assert '<p class="print-only print-reasons">Missing: FVC.</p>' in trial_article(
        html, fvc.nct_id
    )
    eligible = client.post("/", {"fvc_percent": "80"}).content.decode()
    assert '<p class="print-only print-reasons">Every criterion met or does not apply.</p>' in (
        trial_article(eligible, fvc.nct_id)
    )
    review = client.post("/", {}).content.decode()
    assert (
        '<p class="print-only print-reasons">Missing: Symptom onset. '
        "1 criterion needs clinician review.</p>"
    ) in trial_article(review, onset.nct_id)


def test_the_print_button_waits_for_javascript_and_without_it_the_page_says_how_to_print(
    client, trials
):
    html = client.get("/").content.decode()
    assert (
        '<button type="button" class="secondary" data-print hidden>Print summary</button>' in html
    )
    assert (
        '<noscript><span class="hint">To print a summary for the chart, use your browser\'s' in html
    )
