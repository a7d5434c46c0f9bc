"""A screening costs the same few queries however many trials are loaded (issue 8).

The catalogue of compiled rules is kept in the process: a request with an unchanged registry
asks only the registry's version (one row); after a change the trials and their criteria are read
again, in two more queries, and compiled again.
"""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from screening import catalogue
from tests.factories import CriterionFactory, TrialFactory
from tests.log.factories import SiteFactory, UserFactory
from trials.models import Criterion, OverallStatus, Trial

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cold_catalogue")]

VERSION_QUERIES = 1  # the registry version's one row
LOAD_QUERIES = 2  # every criterion, then every trial
PAGE_QUERIES = 0  # the screening page reads nothing beyond the catalogue for an anonymous user

# Fifteen criteria per trial, each with a rule, as a curated trial has.
RULES = [
    (Criterion.Kind.INCLUSION, "Aged 18 to 80", "age between 18 and 80"),
    (Criterion.Kind.INCLUSION, "Probable or definite ALS", "el_escorial in {definite, probable}"),
    (Criterion.Kind.INCLUSION, "Onset within 24 months", "months_since_onset <= 24"),
    (Criterion.Kind.INCLUSION, "FVC at least 60%", "fvc_percent >= 60"),
    (Criterion.Kind.INCLUSION, "ALSFRS-R at least 30", "alsfrs_r >= 30"),
    (
        Criterion.Kind.INCLUSION,
        "Stable on riluzole for 30 days, or not taking it",
        "riluzole != current or riluzole_stable_days >= 30",
    ),
    (Criterion.Kind.INCLUSION, "Diagnosed within 18 months", "months_since_diagnosis <= 18"),
    (Criterion.Kind.INCLUSION, "Slow progression", "alsfrs_r_progression_rate <= 1.5"),
    (Criterion.Kind.EXCLUSION, "Tracheostomy", "tracheostomy"),
    (Criterion.Kind.EXCLUSION, "Gastrostomy", "gastrostomy"),
    (Criterion.Kind.EXCLUSION, "Non-invasive ventilation", "niv"),
    (Criterion.Kind.EXCLUSION, "Pregnant or breastfeeding", "pregnant or breastfeeding"),
    (Criterion.Kind.EXCLUSION, "Taking edaravone", "edaravone == current"),
    (Criterion.Kind.EXCLUSION, "SOD1 variant", "gene_variants has SOD1"),
    (Criterion.Kind.EXCLUSION, "Weight under 40 kg", "weight_kg < 40"),
]

PATIENT = {
    "as_of": "2026-01-15",
    "age": 54,
    "sex": "male",
    "el_escorial": "probable",
    "symptom_onset": "2024-11",
    "diagnosis_date": "2025-06-02",
    "alsfrs_r": 41,
    "fvc_percent": 86,
    "riluzole": "current",
    "riluzole_since": "2025-06-20",
    "gastrostomy": False,
    "niv": False,
    "tracheostomy": False,
}
FORM = {
    "as_of": "2026-01-15",
    "age": "54",
    "sex": "male",
    "el_escorial": "probable",
    "symptom_onset": "2024-11",
    "alsfrs_r": "41",
    "fvc_percent": "86",
    "gastrostomy": "no",
}


def registry(trials: int) -> list[Trial]:
    """`trials` open trials with fifteen ruled criteria each, written in bulk with their history
    (a saved screening records the history version of each trial it screened)."""
    made = bulk_create_with_history(
        [TrialFactory.build(overall_status=OverallStatus.RECRUITING) for _ in range(trials)], Trial
    )
    bulk_create_with_history(
        [
            CriterionFactory.build(trial=trial, position=position, kind=kind, text=text, rule=rule)
            for trial in made
            for position, (kind, text, rule) in enumerate(RULES, start=1)
        ],
        Criterion,
    )
    return made


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """How many times the catalogue was read from the database, and rules compiled."""
    counts = [0, 0]
    load, compile_rule = catalogue.load_catalogue, catalogue.compile_rule

    def counting_load(version):
        counts[0] += 1
        return load(version)

    def counting_compile(text):
        counts[1] += 1
        return compile_rule(text)

    monkeypatch.setattr(catalogue, "load_catalogue", counting_load)
    monkeypatch.setattr(catalogue, "compile_rule", counting_compile)
    return counts


def api_screen(client, patient: dict | None = None):
    response = client.post(
        "/api/screen", json.dumps(patient or PATIENT), content_type="application/json"
    )
    assert response.status_code == 200
    return response


def live_results(client, form: dict | None = None):
    response = client.post("/", form or FORM, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="results"' in response.content
    assert b"<html" not in response.content  # the results partial, not the whole page
    return response


@pytest.mark.parametrize("trials", [10, 500])
def test_an_api_screening_makes_the_same_few_queries_whatever_the_registry_size(
    client, django_assert_num_queries, loads, trials
):
    registry(trials)
    with django_assert_num_queries(VERSION_QUERIES + LOAD_QUERIES):
        response = api_screen(client)
    assert len(response.json()["results"]) == trials
    assert len(response.json()["results"][0]["criteria"]) >= len(RULES)
    assert loads == [1, len(RULES)]  # each distinct rule text compiled once, for all trials
    with django_assert_num_queries(VERSION_QUERIES):
        response = api_screen(client, {**PATIENT, "fvc_percent": 50})
    assert loads == [1, len(RULES)]  # neither read again nor compiled again
    assert {result["verdict"] for result in response.json()["results"]} == {"ineligible"}


def test_editing_a_rule_makes_the_next_screening_use_it(client, loads):
    first, *_ = registry(10)
    verdicts = {r["nct_id"]: r["verdict"] for r in api_screen(client).json()["results"]}
    assert verdicts[first.nct_id] != "ineligible"
    criterion = first.criteria.get(rule="fvc_percent >= 60")
    criterion.rule = "fvc_percent >= 90"
    criterion.save()
    verdicts = {r["nct_id"]: r["verdict"] for r in api_screen(client).json()["results"]}
    assert verdicts[first.nct_id] == "ineligible"
    assert loads[0] == 2


def test_a_bulk_update_of_rules_makes_the_next_screening_use_them(client, loads):
    registry(3)
    api_screen(client)
    # As an admin action or a re-parse might: no save(), no signal, updated_at not named.
    Criterion.objects.filter(rule="fvc_percent >= 60").update(rule="fvc_percent >= 90")
    verdicts = {r["verdict"] for r in api_screen(client).json()["results"]}
    assert verdicts == {"ineligible"}
    assert loads[0] == 2


def test_a_bulk_update_of_trials_makes_the_next_page_use_it(client, loads):
    registry(3)
    assert live_results(client).context["results"].shown == 3
    Trial.objects.update(overall_status=OverallStatus.COMPLETED)
    assert live_results(client).context["results"].shown == 0
    assert loads[0] == 2


def test_deleting_a_criterion_or_adding_a_trial_invalidates_the_catalogue(client, loads):
    first, *_ = registry(10)
    api_screen(client)
    first.criteria.get(rule="fvc_percent >= 60").delete()
    api_screen(client)
    assert loads[0] == 2
    TrialFactory()
    assert len(api_screen(client).json()["results"]) == 11
    assert loads[0] == 3


@pytest.mark.parametrize("trials", [10, 500])
def test_the_screening_page_and_its_live_results_make_the_same_few_queries_whatever_the_size(
    client, django_assert_num_queries, loads, trials
):
    registry(trials)
    with django_assert_num_queries(VERSION_QUERIES + LOAD_QUERIES + PAGE_QUERIES):
        page = client.get("/")
    assert page.status_code == 200
    assert page.context["results"].shown == trials  # every trial rendered, with its criteria
    with django_assert_num_queries(VERSION_QUERIES + PAGE_QUERIES):
        response = live_results(client, {**FORM, "fvc_percent": "50"})
    assert loads == [1, len(RULES)]
    assert len(response.context["results"].groups[2].trials) == trials  # all ineligible


def test_live_results_follow_an_edited_rule(client, loads):
    first, *_ = registry(10)
    live_results(client)
    criterion = first.criteria.get(rule="fvc_percent >= 60")
    criterion.rule = "fvc_percent >= 90"
    criterion.save()
    groups = {g.verdict: g.trials for g in live_results(client).context["results"].groups}
    assert [view.info.nct_id for view in groups["ineligible"]] == [first.nct_id]
    assert loads[0] == 2


@pytest.fixture
def clinician(db) -> Client:
    site = SiteFactory(group__name="Leeds ALS clinic")
    client = Client()
    client.force_login(UserFactory(username="dr_leeds", groups=[site.group]))
    return client


def clinician_queries(client: Client) -> dict[str, int]:
    """Queries of each step of a clinician's screening, the catalogue already compiled."""
    live_results(client)  # compiles the catalogue
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    counts["page"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        live_results(client)
    counts["live results"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        saved = client.post("/log/save/", {**FORM, "reference": "ALS-0042"})
    assert saved.status_code == 302, saved.content.decode()[:500]
    counts["save"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(saved["Location"]).status_code == 200
    counts["reopen"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/log/").status_code == 200
    counts["log"] = len(queries)
    return counts


def test_a_clinicians_page_saving_and_log_cost_the_same_queries_for_10_and_100_trials(
    clinician,
):
    registry(10)
    small = clinician_queries(clinician)
    registry(90)
    large = clinician_queries(clinician)
    assert large == small
    assert small["live results"] == VERSION_QUERIES  # the partial needs no session or user
