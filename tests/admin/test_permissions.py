import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.admin.factories import CURATORS
from tests.admin.support import edit_trial, form_data, row, trial_url
from tests.factories import CriterionFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT00000501")
    CriterionFactory(trial=trial, position=1, rule="fvc_percent >= 70", review_status="auto")
    return trial


def test_a_data_migration_creates_the_criteria_curators_group():
    # Run here rather than trusting the test database: with --reuse-db, a transactional test
    # of an earlier run may have emptied the tables the migration once filled.
    Group.objects.filter(name=CURATORS).delete()
    migration = importlib.import_module("trials.migrations.0003_criteria_curators_group")
    migration.create_curators_group(apps, None)
    permissions = set(
        Group.objects.get(name=CURATORS).permissions.values_list("codename", flat=True)
    )
    assert permissions == {
        "view_trial",
        "add_trial",
        "change_trial",
        "view_criterion",
        "add_criterion",
        "change_criterion",
        "view_testpatient",
        "add_testpatient",
        "change_testpatient",
        "delete_testpatient",
    }


def test_a_curator_may_change_criteria(curator, trial):
    criterion = trial.criteria.get()
    page = edit_trial(curator, trial, **{f"{row(trial, criterion)}-rule": "fvc_percent >= 60"})
    assert page.status_code == 302
    criterion.refresh_from_db()
    assert criterion.rule == "fvc_percent >= 60"


def test_a_curator_cannot_see_users(curator):
    assert curator.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert "auth_user" not in curator.get(reverse("admin:index")).content.decode()


def test_other_staff_read_trials_and_criteria(staff_reader, trial):
    assert staff_reader.get(reverse("admin:trials_trial_changelist")).status_code == 200
    page = staff_reader.get(trial_url(trial))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="criteria-0-rule"' not in page.content.decode()
    assert "fvc_percent &gt;= 70" in page.content.decode()


def test_other_staff_cannot_change_a_rule(staff_reader, curator, trial):
    data = form_data(curator.get(trial_url(trial)))
    data["criteria-0-rule"] = "fvc_percent >= 10"
    assert staff_reader.post(trial_url(trial), data).status_code == 403
    assert trial.criteria.get().rule == "fvc_percent >= 70"


def test_nobody_adds_or_deletes_trials_or_criteria_by_hand(curator, trial):
    assert curator.get(reverse("admin:trials_trial_add")).status_code == 403
    assert curator.get(reverse("admin:trials_criterion_add")).status_code == 403
    criterion = trial.criteria.get()
    assert (
        curator.get(reverse("admin:trials_criterion_delete", args=[criterion.pk])).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:trials_trial_changelist"),
        reverse("admin:trials_criterion_changelist"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(anonymous_visitor, url):
    page = anonymous_visitor.get(url)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))


def test_a_logged_in_person_who_is_not_staff_is_sent_to_the_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("visitor", password="x" * 12))
    page = client.get(trial_url(TrialFactory()))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))
