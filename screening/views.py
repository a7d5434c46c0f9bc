import json

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from screening.catalogue import current_catalogue
from screening.engine import PatientError, read_patient, screen
from screening.forms import FormReading, item_views, read_form, section_views
from screening.reports import screening_json_text, screening_summary_json
from screening.results import results_view, trial_view

# `POST /api/screen?detail=summary`: each trial's verdict, counts and failing criteria only.
DETAILS = ("full", "summary")


def screen_context(request: HttpRequest, reading: FormReading) -> dict[str, object]:
    """What the screening page shows for one reading of the form (also used by the log)."""
    catalogue = current_catalogue()
    show_closed = request.POST.get("show_closed") == "on"
    # Only the trials the page shows are screened: closed ones are just counted.
    results = screen(catalogue.shown(show_closed=show_closed), reading.patient)
    expand = request.POST.get("expand", "")
    return {
        "reading": reading,
        "sections": section_views(
            reading,
            catalogue.usage,
            catalogue.shown_usage(show_closed=show_closed),
            open_only=not show_closed,
        ),
        "items": item_views(reading),
        "results": results_view(results, catalogue, show_closed=show_closed, expand=expand),
        "show_closed": show_closed,
        "facts": reading.patient.facts,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def screen_page(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    reading = read_form(data, today=timezone.localdate())
    live = request.htmx and not request.htmx.boosted
    template = "screening/screen.html#live" if live else "screening/screen.html"
    return render(request, template, screen_context(request, reading))


@require_POST
def trial_criteria(request: HttpRequest, nct_id: str) -> HttpResponse:
    """Every criterion of one trial for the form's values: an ineligible trial's full list,
    loaded when its collapsed entry is opened."""
    catalogue = current_catalogue()
    trials = catalogue.select({nct_id})
    if not trials:
        raise Http404("No trial with this NCT ID is loaded.")
    reading = read_form(request.POST, today=timezone.localdate())
    (result,) = screen(trials, reading.patient)
    context = {"trial": trial_view(result, catalogue.info[nct_id], expanded=True)}
    return render(request, "screening/screen.html#criteria", context)


@require_POST
def api_screen(request: HttpRequest) -> HttpResponse:
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        return JsonResponse({"errors": {"body": ["The request body is too large."]}}, status=413)
    except (ValueError, UnicodeDecodeError) as error:
        return JsonResponse({"errors": {"body": [f"The body is not JSON: {error}"]}}, status=400)
    except RecursionError:
        return JsonResponse({"errors": {"body": ["The body is nested too deeply."]}}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"errors": {"body": ["The body must be a JSON object."]}}, status=400)
    try:
        patient = read_patient(data)
    except PatientError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    detail = request.GET.get("detail", "full")
    if detail not in DETAILS:
        message = f"detail must be {' or '.join(DETAILS)}, not {detail!r}."
        return JsonResponse({"errors": {"detail": [message]}}, status=400)
    results = screen(current_catalogue().trials, patient)
    if detail == "summary":
        return JsonResponse(screening_summary_json(patient, results))
    # The same JSON as JsonResponse(screening_json(...)) would give, encoded piece by piece: at
    # 10,000 trials that is 42 MiB, and building it as dicts took longer than the screening.
    return HttpResponse(screening_json_text(patient, results), content_type="application/json")
