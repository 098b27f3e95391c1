"""The admin of every reference list (lmns.reference_data), whichever app's it is."""

from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from lmns.access import edits_reference_data, lmnss_where


class ReferenceDataAdmin(SimpleHistoryAdmin):
    """Deployment-wide entries (no LMNS) are shown in every LMNS's forms, charts and packs, so
    only the deployment administrator (a superuser) changes them. An LMNS's safety leads read
    them, and add and keep entries of their own LMNS, which no other LMNS sees. Entries are
    never deleted, only made inactive, so that the incidents and learning that use them keep
    their meaning; every change is in the entry's history."""

    list_filter = ["is_active"]
    search_fields = ["name"]

    def _kept_lmnss(self, request):
        return lmnss_where(request.user, "keep_reference_data")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("lmns")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(lmns__isnull=True) | Q(lmns__in=self._kept_lmnss(request)))

    @admin.display(description="Used by", ordering="lmns__name")
    def scope(self, obj):
        return obj.lmns or "Every LMNS"

    def get_readonly_fields(self, request, obj=None):
        # A safety lead's entry stays in their LMNS: never moved to another, nor made deployment-wide.
        return ["lmns"] if obj is not None and not request.user.is_superuser else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lmns" and not request.user.is_superuser:
            kwargs["queryset"] = self._kept_lmnss(request)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return edits_reference_data(request.user)

    def has_view_permission(self, request, obj=None):
        return edits_reference_data(request.user) and (
            obj is None or obj.lmns_id is None or self.has_change_permission(request, obj)
        )

    def has_add_permission(self, request):
        return edits_reference_data(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return edits_reference_data(request.user)
        return obj.lmns_id is not None and self._kept_lmnss(request).filter(pk=obj.lmns_id).exists()

    def has_delete_permission(self, request, obj=None):
        return False


class CodedReferenceDataAdmin(ReferenceDataAdmin):
    """Kept as incident types are (``ReferenceDataAdmin``); the code is fixed once saved,
    because concerns store it and the FTSU return's layout (ftsu_return.yaml) names it."""

    list_display = ["label", "code", "order", "scope", "is_active", "source"]
    search_fields = ["label", "code"]
    ordering = ["order", "label"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["code"] if obj is not None else []
        return [*super().get_readonly_fields(request, obj), *fixed]
