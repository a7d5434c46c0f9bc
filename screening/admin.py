from django.contrib import admin

from screening.models import LogEvent, SavedScreening, ScreeningOutcome, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "id"]
    search_fields = ["group__name"]
    autocomplete_fields = ["group"]


class ScreeningOutcomeInline(admin.TabularInline):
    model = ScreeningOutcome
    fields = ["nct_id", "title", "verdict", "rules_hash"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SavedScreening)
class SavedScreeningAdmin(admin.ModelAdmin):
    """Read-only: screenings are saved from the screening page and deleted from the log, which
    records who deleted them."""

    list_display = ["reference", "site", "screened_on", "saved_at", "saved_by"]
    list_filter = ["site", "screened_on"]
    search_fields = ["reference"]
    fields = ["id", "reference", "site", "screened_on", "saved_at", "saved_by", "show_closed"]
    readonly_fields = fields
    inlines = [ScreeningOutcomeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LogEvent)
class LogEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "username", "site_name", "reference"]
    list_filter = ["action", "site_name"]
    search_fields = ["reference", "username"]
    readonly_fields = [f.name for f in LogEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
