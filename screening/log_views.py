"""The screening log's pages. Each view fetches and authorises, then calls screening.log."""

import logging
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening import log
from screening.forms import FormReading, read_form
from screening.models import SavedScreening
from screening.views import screen_context

logger = logging.getLogger(__name__)
DATABASE_FAILED = (
    "The log could not be saved: the database did not answer or refused the write. Nothing "
    "was saved, the values are still on this page, and earlier screenings are untouched. "
    "Try saving again in a moment."
)


def _visible_screening(request: HttpRequest, pk: UUID) -> SavedScreening:
    """Another site's screening is not found, rather than forbidden: its existence is private."""
    return get_object_or_404(log.visible_screenings(request.user), pk=pk)


def _screen_page(
    request: HttpRequest, reading: FormReading, save_form: log.SaveForm, status: int = 200
):
    """The screening page again, with the save form's errors."""
    context = {**screen_context(request, reading), "save_form": save_form}
    return render(request, "screening/screen.html", context, status=status)


@require_GET
@login_required
def log_index(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("reference", "").strip()
    screenings = log.visible_screenings(request.user)
    if reference:
        screenings = screenings.filter(reference__iexact=reference)
    context = {
        "screenings": screenings[:100],
        "trials": log.trial_counts(request.user),
        "reference": reference,
        "all_sites": log.sees_all_sites(request.user),
        "sites": log.user_sites(request.user),
    }
    return render(request, "screening/log/index.html", context)


@require_POST
@login_required
def save_screening(request: HttpRequest) -> HttpResponse:
    reading = read_form(request.POST, today=timezone.localdate())
    form = log.SaveForm(request.POST, user=request.user, reading=reading)
    if not form.is_valid():
        return _screen_page(request, reading, form)
    try:
        screening = log.screening_save(
            user=request.user,
            site=form.cleaned_data["site"],
            reference=form.cleaned_data["reference"],
            reading=reading,
            show_closed=request.POST.get("show_closed") == "on",
        )
    except DatabaseError:
        logger.exception("Saving a screening to the log failed")
        form.add_error(None, DATABASE_FAILED)
        return _screen_page(request, reading, form, status=503)
    messages.success(request, f"Saved to the log of {screening.site} as {screening.reference}.")
    return redirect(screening)


@require_GET
@login_required
def screening_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    screening = _visible_screening(request, pk)
    context = {
        "screening": screening,
        "groups": log.stored_groups(screening),
        "can_delete": log.can_delete(request.user, screening),
    }
    return render(request, "screening/log/screening.html", context)


@require_GET
@login_required
def screening_again(request: HttpRequest, pk: UUID) -> HttpResponse:
    screening = _visible_screening(request, pk)
    again = log.screening_again(screening, today=timezone.localdate())
    return render(request, "screening/log/again.html", {"screening": screening, "again": again})


@require_http_methods(["GET", "POST"])
@login_required
def screening_delete(request: HttpRequest, pk: UUID) -> HttpResponse:
    screening = _visible_screening(request, pk)
    if not log.can_delete(request.user, screening):
        raise PermissionDenied("Only the site's clinicians delete its screenings.")
    if request.method == "POST":
        log.screening_delete(user=request.user, screening=screening)
        messages.success(request, f"Deleted the screening of {screening.reference}.")
        return redirect("log:index")
    return render(request, "screening/log/delete.html", {"screening": screening})


@require_GET
@login_required
def trial_log(request: HttpRequest, nct_id: str) -> HttpResponse:
    filters = log.LogFilter(request.GET)
    outcomes = filters.apply(log.visible_outcomes(request.user).filter(nct_id=nct_id))
    # get_page turns a page number that is not one into the first page, one too far the last.
    page = Paginator(outcomes, log.LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nct_id": nct_id,
        "filters": filters,
        "page": page,
        "query": log.filter_query(request.GET),
        "all_sites": log.sees_all_sites(request.user),
    }
    return render(request, "screening/log/trial.html", context)


@require_GET
@login_required
def trial_log_csv(request: HttpRequest, nct_id: str) -> HttpResponse:
    filters = log.LogFilter(request.GET)
    patients = filters.patients(log.visible_outcomes(request.user).filter(nct_id=nct_id))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{nct_id}-screening-log-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log.write_log_csv(patients, response)
    return response


@require_GET
@login_required
def trial_summary(request: HttpRequest, nct_id: str) -> HttpResponse:
    filters = log.LogFilter(request.GET)
    outcomes = log.visible_outcomes(request.user).filter(nct_id=nct_id)
    context = {
        "nct_id": nct_id,
        "filters": filters,
        "summary": log.exclusion_summary(filters.patients(outcomes)),
        "title": outcomes.values_list("title", flat=True).first() or nct_id,
        "query": log.filter_query(request.GET),
    }
    return render(request, "screening/log/summary.html", context)
