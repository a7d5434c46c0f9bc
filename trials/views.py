import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from trials.models import Criterion, OverallStatus, Phase, Trial

TRIALS_PER_PAGE = 25

# "NCT0382", "nct0382" and "03828123" are pieces of an NCT ID. Bare digits need four or more:
# a "12" or "70" in the search box is far likelier a dose or a title's number than an ID.
NCT_PREFIX = re.compile(r"NCT\d{0,8}", re.IGNORECASE)
NCT_DIGITS = re.compile(r"\d{4,8}")


def nct_id_filter(query: str) -> Q:
    if NCT_PREFIX.fullmatch(query):
        return Q(nct_id__startswith=query.upper())
    if NCT_DIGITS.fullmatch(query):
        return Q(nct_id__contains=query)
    return Q(nct_id__iexact=query)


def phase_parts(code: str) -> list[str]:
    # A registry pair is stored as one code, "PHASE1_PHASE2"; "EARLY_PHASE1" is one phase.
    return code.split("_") if code.startswith("PHASE") else [code]


def phases_including(phase: str) -> list[str]:
    """The stored phases a filter for `phase` finds: itself and the pairs that contain it."""
    return [code for code in Phase.values if code == phase or phase in phase_parts(code)]


def search_trials(*, query: str, status: str, phase: str) -> QuerySet[Trial]:
    trials = Trial.objects.annotate(criteria_count=Count("criteria")).order_by("nct_id")
    if query:
        trials = trials.filter(
            nct_id_filter(query)
            | Q(brief_title__icontains=query)
            | Q(official_title__icontains=query)
            | Q(acronym__icontains=query)
            | Q(conditions_search__contains=query.lower())
        )
    if status in OverallStatus.values:
        trials = trials.filter(overall_status=status)
    if phase in Phase.values:
        trials = trials.filter(phase__in=phases_including(phase))
    return trials


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


# ClinicalTrials.gov v2 design enums, in the words of its data dictionary. A code missing here
# (the registry adds some now and then) is shown tidied by `readable()`.
ALLOCATIONS = {
    "RANDOMIZED": "Allocation: randomized",
    "NON_RANDOMIZED": "Allocation: non-randomized",
    "NA": "Allocation: not applicable",
}
INTERVENTION_MODELS = {
    "SINGLE_GROUP": "Single group",
    "PARALLEL": "Parallel groups",
    "CROSSOVER": "Crossover",
    "FACTORIAL": "Factorial",
    "SEQUENTIAL": "Sequential",
}
MASKINGS = {
    "NONE": "No masking (open label)",
    "SINGLE": "Single masking",
    "DOUBLE": "Double masking",
    "TRIPLE": "Triple masking",
    "QUADRUPLE": "Quadruple masking",
}
PRIMARY_PURPOSES = {
    "ECT": "Purpose: educational/counseling/training",
}


def readable(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


def design_summary(trial: Trial) -> str:
    """ "Allocation: not applicable · Single group · No masking (open label) · Purpose: ..."."""
    parts = [
        ALLOCATIONS.get(trial.allocation, f"Allocation: {readable(trial.allocation).lower()}"),
        INTERVENTION_MODELS.get(trial.intervention_model, readable(trial.intervention_model)),
        MASKINGS.get(trial.masking, f"Masking: {readable(trial.masking).lower()}"),
        PRIMARY_PURPOSES.get(
            trial.primary_purpose, f"Purpose: {readable(trial.primary_purpose).lower()}"
        ),
    ]
    given = [trial.allocation, trial.intervention_model, trial.masking, trial.primary_purpose]
    return " · ".join(part for part, code in zip(parts, given, strict=True) if code)


def intervention_labels(interventions: list[dict]) -> list[str]:
    # Every v2 intervention type reads well tidied: DIETARY_SUPPLEMENT -> "Dietary supplement".
    return [
        f"{readable(item['type'])}: {item.get('name', '')}" if item.get("type") else item["name"]
        for item in interventions
        if isinstance(item, dict) and (item.get("type") or item.get("name"))
    ]


@dataclass(frozen=True)
class CriterionItem:
    """One criterion in a page's nested list, with the list markup around it."""

    criterion: Criterion
    depth: int
    # Its <li> stays open around the <ol> of its sub-items.
    has_children: bool
    # Iterated by the template: one "</ol></li>" per nested list that ends after this item.
    closes: range


def criteria_items(criteria: Sequence[Criterion]) -> list[CriterionItem]:
    """The criteria in reading order, each under its parent, to render as nested lists.

    A flat list with depths rather than a tree, so the template needs no recursive include and
    no depth limit. An item whose parent is not among `criteria` (under another heading) starts
    a list of its own; items whose parent links loop are still all shown.
    """
    ids = {criterion.id for criterion in criteria}
    children: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        if criterion.parent_id in ids:
            children[criterion.parent_id].append(criterion)
    roots = [criterion for criterion in criteria if criterion.parent_id not in ids]

    ordered: list[tuple[Criterion, int]] = []
    seen: set[int] = set()
    # Members of a loop (an item its own parent, say) have no root above them: they come last,
    # as roots.
    for start in [*roots, *criteria]:
        stack = [(start, 0)]
        while stack:
            criterion, depth = stack.pop()
            if criterion.id in seen:
                continue
            seen.add(criterion.id)
            ordered.append((criterion, depth))
            stack.extend((child, depth + 1) for child in reversed(children[criterion.id]))

    items = []
    for index, (criterion, depth) in enumerate(ordered):
        next_depth = ordered[index + 1][1] if index + 1 < len(ordered) else 0
        has_children = next_depth > depth
        closes = range(0 if has_children else depth - next_depth)
        items.append(CriterionItem(criterion, depth, has_children, closes))
    return items


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
