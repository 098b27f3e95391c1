from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import IncidentType, Theme
from lmns.access import edits_reference_data


class ReferenceDataAdmin(admin.ModelAdmin):
    """Editable by LMNS safety leads. Entries are never deleted, only made inactive,
    so that the incidents and learning that use them keep their meaning."""

    list_filter = ["is_active"]
    search_fields = ["name"]

    def has_module_permission(self, request):
        return edits_reference_data(request.user)

    def has_view_permission(self, request, obj=None):
        return edits_reference_data(request.user)

    def has_add_permission(self, request):
        return edits_reference_data(request.user)

    def has_change_permission(self, request, obj=None):
        return edits_reference_data(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncidentType)
class IncidentTypeAdmin(ReferenceDataAdmin, SimpleHistoryAdmin):
    list_display = ["name", "group", "is_active", "source"]
    list_filter = ["group", "is_active"]


@admin.register(Theme)
class ThemeAdmin(ReferenceDataAdmin):
    list_display = ["name", "is_active"]
