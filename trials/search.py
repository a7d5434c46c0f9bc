"""The trial list's search: words, pieces of an NCT ID, status and phase."""

import re

from django.db.models import Count, Q, QuerySet

from trials.models import OverallStatus, Phase, Trial

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
