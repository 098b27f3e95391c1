from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assurance.sbl.models import SblElement, SblIntervention
from lmns.access import edits_reference_data


class CareBundleAdmin(SimpleHistoryAdmin):
    """The care bundle is national and every LMNS uses it: the deployment administrator (a
    superuser) corrects it against the published bundle; LMNS safety leads, who keep other
    reference data, read it. Nothing is deleted: an intervention is made inactive, so the
    quarters that answered it keep their meaning."""

    def has_module_permission(self, request):
        return edits_reference_data(request.user)

    def has_view_permission(self, request, obj=None):
        return edits_reference_data(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SblElement)
class SblElementAdmin(CareBundleAdmin):
    list_display = ["number", "name", "source"]


@admin.register(SblIntervention)
class SblInterventionAdmin(CareBundleAdmin):
    list_display = ["code", "element", "text", "order", "is_active", "wording_checked"]
    list_filter = ["element", "is_active", "wording_checked"]
    search_fields = ["code", "text"]
