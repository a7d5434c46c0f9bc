"""Two small admin pages: the live rule preview and the rule vocabulary.

Both are wrapped in `admin_site.admin_view` by TrialAdmin.get_urls, so only active staff reach
them and everyone else is sent to the admin login.
"""

from django.apps import apps
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trials.admin_forms import RULE_FIELD_TEMPLATE, rule_preview
from trials.admin_vocabulary import grammar, vocabulary
from trials.models import Criterion


@require_GET
def rule_preview_view(request: HttpRequest) -> HttpResponse:
    # htmx sends the rule box under its form name ("criteria-3-rule"), whichever row it is.
    rule = next(
        (value for name, value in request.GET.items() if name == "rule" or name.endswith("-rule")),
        "",
    )
    context = {"preview": rule_preview(rule)}
    return render(request, f"{RULE_FIELD_TEMPLATE}#preview", context)


@require_GET
def vocabulary_view(request: HttpRequest, *, site: AdminSite) -> HttpResponse:
    rules = list(
        Criterion.objects.exclude(rule="").order_by().values_list("rule", flat=True).distinct()
    )
    context = {
        **site.each_context(request),
        "title": "Rule vocabulary",
        "subtitle": None,
        "app_name": apps.get_app_config("trials").verbose_name,
        "sections": vocabulary(rules),
        "grammar": grammar(),
    }
    return render(request, "admin/trials/vocabulary.html", context)
