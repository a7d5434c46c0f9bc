from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from trials.models import Criterion, OverallStatus, Phase, Trial

TRIALS_PER_PAGE = 25


def search_trials(*, query: str, status: str, phase: str) -> QuerySet[Trial]:
    trials = Trial.objects.annotate(criteria_count=Count("criteria")).order_by("nct_id")
    if query:
        trials = trials.filter(
            Q(nct_id__iexact=query)
            | Q(brief_title__icontains=query)
            | Q(official_title__icontains=query)
            | Q(acronym__icontains=query)
            | Q(conditions_search__contains=query.lower())
        )
    if status in OverallStatus.values:
        trials = trials.filter(overall_status=status)
    if phase in Phase.values:
        trials = trials.filter(phase=phase)
    return trials


def trial_list(request: HttpRequest) -> HttpResponse:
    # PostgreSQL refuses a NUL in text; nobody searches for one.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    status = request.GET.get("status", "")
    phase = request.GET.get("phase", "")
    page = Paginator(search_trials(query=query, status=status, phase=phase), TRIALS_PER_PAGE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "query": query,
        "status": status,
        "phase": phase,
        "statuses": OverallStatus.choices,
        "phases": Phase.choices,
    }
    return render(request, "trials/trial_list.html", context)


def trial_detail(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = get_object_or_404(Trial, nct_id=nct_id.upper())
    criteria = list(trial.criteria.all())
    context = {
        "trial": trial,
        "inclusion": [c for c in criteria if c.kind == Criterion.Kind.INCLUSION],
        "exclusion": [c for c in criteria if c.kind == Criterion.Kind.EXCLUSION],
        "unclassified": [c for c in criteria if c.kind == Criterion.Kind.UNCLASSIFIED],
    }
    return render(request, "trials/trial_detail.html", context)
