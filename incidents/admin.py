from django.contrib import admin

from incidents.models import IncidentType, ReferralBody, Theme
from lmns.reference_admin import CodedReferenceDataAdmin, ReferenceDataAdmin


@admin.register(IncidentType)
class IncidentTypeAdmin(ReferenceDataAdmin):
    list_display = ["name", "group", "scope", "is_death", "is_active", "source"]
    list_filter = ["group", "is_death", "is_active"]


@admin.register(Theme)
class ThemeAdmin(ReferenceDataAdmin):
    list_display = ["name", "scope", "is_active"]


@admin.register(ReferralBody)
class ReferralBodyAdmin(CodedReferenceDataAdmin):
    """The bodies incidents are referred to. A retired body stays on the incidents referred to
    it and is no longer offered; MNSI's row stays active (its referral is on the incident)."""

    list_display = ["label", "code", "order", "scope", "is_active", "source"]
