from django.contrib import admin

from incidents.admin import ReferenceDataAdmin
from workforce.models import FtsuCategory, ProfessionalGroup


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
