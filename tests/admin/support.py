"""Submitting admin forms the way a browser does: every field as the page rendered it."""

from html import unescape

from django import forms
from django.forms.boundfield import BoundField
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from trials.models import Criterion, Trial


def trial_url(trial: Trial) -> str:
    return reverse("admin:trials_trial_change", args=[trial.pk])


def criterion_url(criterion: Criterion) -> str:
    return reverse("admin:trials_criterion_change", args=[criterion.pk])


def _field_data(bound: BoundField) -> dict[str, str]:
    value = bound.value()
    if isinstance(bound.field, forms.BooleanField):
        return {bound.html_name: "on"} if value else {}
    if value is None:
        return {bound.html_name: ""}
    return {bound.html_name: str(value)}  # value() is already prepared for display


def form_data(page: HttpResponse) -> dict[str, str]:
    """The change form's fields and inlines as the page shows them, ready to POST back."""
    data: dict[str, str] = {}
    for bound in page.context["adminform"].form:
        data.update(_field_data(bound))
    for inline in page.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = str(bound.value())
        for form in formset.forms:
            for bound in form:
                data.update(_field_data(bound))
    return data


def row(trial: Trial, criterion: Criterion) -> str:
    """The inline prefix of a criterion on its trial's page ("criteria-2")."""
    positions = list(trial.criteria.order_by("position").values_list("pk", flat=True))
    return f"criteria-{positions.index(criterion.pk)}"


def edit_trial(client: Client, trial: Trial, **changes: str) -> HttpResponse:
    """Opens the trial's page, changes the named fields, and saves."""
    data = form_data(client.get(trial_url(trial)))
    data.update(changes)
    data["_continue"] = "Save and continue editing"
    return client.post(trial_url(trial), data)


def edit_criterion(client: Client, criterion: Criterion, **changes: str) -> HttpResponse:
    data = form_data(client.get(criterion_url(criterion)))
    data.update(changes)
    data["_continue"] = "Save and continue editing"
    return client.post(criterion_url(criterion), data)


def errors(page: HttpResponse) -> list[str]:
    """Every error message the admin shows on a re-rendered change form, as plain text."""
    assert page.status_code == 200, f"expected the form again, got {page.status_code}"
    # The admin's list holds each form field's error list, and formset errors as plain strings.
    found = []
    for error in page.context["errors"]:
        found.extend([error] if isinstance(error, str) else error)
    return [unescape(str(message)) for message in found]


def messages_shown(page: HttpResponse) -> list[str]:
    return [str(message) for message in page.context["messages"]]
