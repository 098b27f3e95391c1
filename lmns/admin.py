from django.contrib import admin

from lmns.models import Lmns, Membership, Provider, Unit


class ProviderInline(admin.TabularInline):
    model = Provider
    extra = 0


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Lmns)
class LmnsAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [ProviderInline]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "lmns"]
    list_filter = ["lmns"]
    search_fields = ["name", "ods_code"]
    inlines = [UnitInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "provider", "lmns", "created_at"]
    list_filter = ["role", "lmns", "provider"]
    search_fields = ["user__username", "user__email", "provider__name", "lmns__name"]
    autocomplete_fields = ["user", "provider", "lmns"]
