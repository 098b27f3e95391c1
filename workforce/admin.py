from django.contrib import admin

from lmns.reference_admin import CodedReferenceDataAdmin, ReferenceDataAdmin
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


@admin.register(FtsuCategory)
class FtsuCategoryAdmin(CodedReferenceDataAdmin):
    pass


@admin.register(ProfessionalGroup)
class ProfessionalGroupAdmin(CodedReferenceDataAdmin):
    pass
