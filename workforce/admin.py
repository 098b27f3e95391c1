from django.contrib import admin

from incidents.admin import ReferenceDataAdmin
from workforce.models import FtsuCategory, ProfessionalGroup, StaffGroup


@admin.register(StaffGroup)
class StaffGroupAdmin(ReferenceDataAdmin):
    """Staff groups for training compliance (MIS safety action 8): deployment-wide groups are
    the deployment administrator's, as for every reference list (ReferenceDataAdmin)."""

    list_display = [
        "name",
        "scope",
        "needs_fetal_monitoring",
        "needs_emergencies",
        "needs_newborn_life_support",
        "is_active",
        "wording_checked",
    ]
    list_filter = ["is_active", "wording_checked"]


class CodedReferenceDataAdmin(ReferenceDataAdmin):
    """Kept as incident types are (``ReferenceDataAdmin``); the code is fixed once saved,
    because concerns store it and the FTSU return's layout (ftsu_return.yaml) names it."""

    list_display = ["label", "code", "order", "scope", "is_active", "source"]
    search_fields = ["label", "code"]
    ordering = ["order", "label"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["code"] if obj is not None else []
        return [*super().get_readonly_fields(request, obj), *fixed]


@admin.register(FtsuCategory)
class FtsuCategoryAdmin(CodedReferenceDataAdmin):
    pass


@admin.register(ProfessionalGroup)
class ProfessionalGroupAdmin(CodedReferenceDataAdmin):
    pass
