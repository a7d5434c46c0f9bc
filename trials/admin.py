from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from trials.models import Criterion, Trial


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "kind", "text", "rule", "rule_note", "review_status"]
    readonly_fields = ["text"]
    ordering = ["position"]
    show_change_link = True


@admin.register(Trial)
class TrialAdmin(SimpleHistoryAdmin):
    list_display = ["nct_id", "title", "overall_status", "phase", "criteria_changed"]
    list_filter = ["overall_status", "phase", "criteria_changed", "criteria_incomplete"]
    search_fields = ["nct_id", "brief_title", "official_title", "acronym", "conditions_search"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["trial", "position", "kind", "review_status", "rule"]
    list_filter = ["kind", "review_status"]
    search_fields = ["trial__nct_id", "text", "rule"]
    raw_id_fields = ["trial", "parent"]
