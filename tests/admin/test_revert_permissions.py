"""Reverting from the history is a change: only curators may do it; other staff only look."""

import pytest
from django.urls import reverse

from tests.admin.support import edit_trial, form_data, row
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion, Trial

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial() -> Trial:
    return TrialFactory(nct_id="NCT00000601", criteria_changed=False)


@pytest.fixture
def fvc(curator, trial) -> Criterion:
    """A criterion a curator has changed since the parser structured it."""
    fvc = CriterionFactory(trial=trial, position=1, rule="fvc_percent >= 70", review_status="auto")
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    return fvc


def criterion_revert_url(criterion: Criterion) -> str:
    first = criterion.history.order_by("history_date", "history_id").first()
    return reverse("admin:trials_criterion_simple_history", args=[criterion.pk, first.history_id])


def trial_revert_url(trial: Trial) -> str:
    first = trial.history.order_by("history_date", "history_id").first()
    return reverse("admin:trials_trial_simple_history", args=[trial.pk, first.history_id])


def flag_changed_in_the_registry(trial: Trial) -> None:
    trial.criteria_changed = True
    trial.save()


def editable_fields(page) -> list[str]:
    """The fields the version page offers as inputs rather than as text."""
    return [
        field.field.name
        for fieldset in page.context["adminform"]
        for line in fieldset
        for field in line
        if not field.is_readonly
    ]


def test_a_staff_reader_cannot_revert_a_criterion(staff_reader, curator, fvc):
    url = criterion_revert_url(fvc)
    # What a curator's revert page would send, so only the permission stands in the way.
    data = {**form_data(curator.get(url)), "_save": "Revert"}
    records = fvc.history.count()

    assert staff_reader.post(url, data).status_code == 403

    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 60", "edited")
    assert fvc.history.count() == records
    assert not fvc.history.filter(history_user=staff_reader.user).exists()


def test_a_staff_reader_cannot_revert_a_trial(staff_reader, curator, trial):
    flag_changed_in_the_registry(trial)
    url = trial_revert_url(trial)
    data = {**form_data(curator.get(url)), "_save": "Revert"}

    assert staff_reader.post(url, data).status_code == 403

    trial.refresh_from_db()
    assert trial.criteria_changed is True
    assert not trial.history.filter(history_user=staff_reader.user).exists()


def test_a_staff_reader_sees_an_old_version_read_only(staff_reader, fvc):
    page = staff_reader.get(criterion_revert_url(fvc))
    assert page.status_code == 200
    assert page.context["revert_disabled"] is True
    assert editable_fields(page) == []
    html = page.content.decode()
    assert 'value="Revert"' not in html
    assert 'name="rule"' not in html
    assert "fvc_percent &gt;= 70" in html
    assert "Version" not in html  # the edit lock's counter means nothing to a reader


def test_a_staff_reader_sees_an_old_trial_version_read_only(staff_reader, trial):
    flag_changed_in_the_registry(trial)
    page = staff_reader.get(trial_revert_url(trial))
    assert page.status_code == 200
    assert editable_fields(page) == []
    assert 'value="Revert"' not in page.content.decode()


def test_a_curator_still_reverts_a_criterion(curator, fvc):
    url = criterion_revert_url(fvc)
    page = curator.get(url)
    assert 'value="Revert"' in page.content.decode()
    assert curator.post(url, {**form_data(page), "_save": "Revert"}).status_code == 302
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 70"
    assert fvc.history.first().history_user == curator.user


def test_a_curator_still_reverts_a_trial(curator, trial):
    flag_changed_in_the_registry(trial)
    url = trial_revert_url(trial)
    page = curator.get(url)
    assert curator.post(url, {**form_data(page), "_save": "Revert"}).status_code == 302
    trial.refresh_from_db()
    assert trial.criteria_changed is False
