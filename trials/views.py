from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from trials.display import criteria_items, design_summary, intervention_labels
from trials.models import Criterion, OverallStatus, Phase, Trial
from trials.search import search_trials

TRIALS_PER_PAGE = 25


def trial_list(request: HttpRequest) -> HttpResponse:
    # PostgreSQL refuses a NUL in text; nobody searches for one.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    status = request.GET.get("status", "")
    phase = request.GET.get("phase", "")
    page = Paginator(search_trials(query=query, status=status, phase=phase), TRIALS_PER_PAGE)
    # The page links carry the search on, encoded: a raw "&" or space would cut or break it.
    carried = request.GET.copy()
    carried.pop("page", None)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "carried_query": f"{carried.urlencode()}&" if carried else "",
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
        "design": design_summary(trial),
        "interventions": intervention_labels(trial.interventions),
        "inclusion": criteria_items([c for c in criteria if c.kind == Criterion.Kind.INCLUSION]),
        "exclusion": criteria_items([c for c in criteria if c.kind == Criterion.Kind.EXCLUSION]),
        "unclassified": criteria_items(
            [c for c in criteria if c.kind == Criterion.Kind.UNCLASSIFIED]
        ),
    }
    return render(request, "trials/trial_detail.html", context)
