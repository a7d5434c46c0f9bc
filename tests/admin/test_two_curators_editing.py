import pytest

from tests.admin.support import (
    criterion_url,
    edit_trial,
    errors,
    form_data,
    row,
    trial_url,
)
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    return TrialFactory(nct_id="NCT00000077")


@pytest.fixture
def fvc(trial):
    return CriterionFactory(trial=trial, position=1, rule="fvc_percent >= 70", review_status="auto")


@pytest.fixture
def age(trial):
    return CriterionFactory(
        trial=trial, position=2, text="Aged 18 to 80", rule="age >= 18", review_status="auto"
    )


def open_trial(client, trial):
    return form_data(client.get(trial_url(trial)))


def save(client, url, data):
    return client.post(url, {**data, "_continue": "Save and continue editing"})


def test_the_second_of_two_curators_saving_the_same_rule_is_refused(
    curator, second_curator, trial, fvc
):
    prefix = row(trial, fvc)
    first, second = open_trial(curator, trial), open_trial(second_curator, trial)
    save(curator, trial_url(trial), {**first, f"{prefix}-rule": "fvc_percent >= 60"})
    page = save(second_curator, trial_url(trial), {**second, f"{prefix}-rule": "fvc_percent >= 50"})

    [message] = errors(page)
    assert message.startswith("cora saved this criterion (")
    assert "while you were editing it, so your change was not saved." in message
    assert "Their rule: fvc_percent >= 60; review status: edited by a curator." in message
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 60"


def test_the_refused_curator_keeps_their_text_and_can_knowingly_save_it(
    curator, second_curator, trial, fvc
):
    prefix = row(trial, fvc)
    first, second = open_trial(curator, trial), open_trial(second_curator, trial)
    save(curator, trial_url(trial), {**first, f"{prefix}-rule": "fvc_percent >= 60"})
    refused = save(
        second_curator, trial_url(trial), {**second, f"{prefix}-rule": "fvc_percent >= 50"}
    )
    assert "fvc_percent &gt;= 50</textarea>" in refused.content.decode()

    again = save(second_curator, trial_url(trial), form_data(refused))
    assert again.status_code == 302
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 50"
    assert [h.rule for h in fvc.history.order_by("history_date")] == [
        "fvc_percent >= 70",
        "fvc_percent >= 60",
        "fvc_percent >= 50",
    ]


def test_a_criterion_the_second_curator_did_not_touch_keeps_the_first_curators_change(
    curator, second_curator, trial, fvc, age
):
    first, second = open_trial(curator, trial), open_trial(second_curator, trial)
    save(curator, trial_url(trial), {**first, f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    page = save(
        second_curator, trial_url(trial), {**second, f"{row(trial, age)}-rule": "age >= 21"}
    )
    assert page.status_code == 302
    fvc.refresh_from_db()
    age.refresh_from_db()
    assert (fvc.rule, age.rule) == ("fvc_percent >= 60", "age >= 21")


def test_a_change_made_by_an_import_meanwhile_also_stops_a_stale_save(curator, trial, fvc):
    opened = open_trial(curator, trial)
    fvc.rule_note = "The import rewrote this."
    fvc.save()
    page = save(curator, trial_url(trial), {**opened, f"{row(trial, fvc)}-rule": "age >= 30"})
    [message] = errors(page)
    assert message.startswith("An import or re-parse saved this criterion")


def test_a_stale_criterion_page_is_refused_even_without_changes(curator, second_curator, fvc):
    url = criterion_url(fvc)
    first, second = form_data(curator.get(url)), form_data(second_curator.get(url))
    assert save(curator, url, {**first, "rule": "fvc_percent >= 60"}).status_code == 302
    page = save(second_curator, url, second)
    assert "while you were editing it" in errors(page)[0]
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 60"


def test_every_save_moves_the_version_on(curator, trial, fvc):
    before = Criterion.objects.get(pk=fvc.pk).version
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 65"})
    assert Criterion.objects.get(pk=fvc.pk).version == before + 1
