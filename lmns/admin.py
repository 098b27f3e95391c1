from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from lmns.models import Lmns, Membership, Provider, RagThreshold, Role, Unit


class ProviderInline(admin.TabularInline):
    model = Provider
    extra = 0


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Lmns)
class LmnsAdmin(admin.ModelAdmin):
    """Deployment administrators manage every LMNS. An LMNS's safety leads may open their own
    LMNS and change its settings (two-factor sign-in for its staff), not its name or providers."""

    list_display = ["name", "code", "two_factor_required"]
    search_fields = ["name", "code"]
    inlines = [ProviderInline]
    lead_fields = ["name", "code", "two_factor_required"]

    def _administers(self, request):
        return request.user.has_perm("lmns.change_lmns")

    def _led(self, request):
        return Lmns.objects.filter(memberships__user=request.user, memberships__role=Role.LMNS_SAFETY_LEAD)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._administers(request):
            return queryset
        return queryset.filter(pk__in=self._led(request).values("pk"))

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if self._administers(request) else self.lead_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if self._administers(request) else ["name", "code"]

    def get_inlines(self, request, obj):
        return self.inlines if self._administers(request) else []

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._led(request).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._leads(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self._leads(request, obj)

    def _leads(self, request, obj):
        led = self._led(request)
        return led.filter(pk=obj.pk).exists() if obj is not None else led.exists()


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "ods_code", "lmns"]
    list_filter = ["lmns"]
    search_fields = ["name", "ods_code"]
    inlines = [UnitInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Its history says who granted whom which role, and who took it away."""

    list_display = ["user", "role", "provider", "lmns", "created_at"]
    list_filter = ["role", "lmns", "provider"]
    search_fields = ["user__username", "user__email", "provider__name", "lmns__name"]
    autocomplete_fields = ["user", "provider", "lmns"]


@admin.register(RagThreshold)
class RagThresholdAdmin(admin.ModelAdmin):
    """An LMNS's safety leads set its quality view thresholds. Rows are added, never changed
    or deleted: a new threshold is a new row from its effective date, so a past period keeps
    the rating (and the reason) it had."""

    list_display = [
        "measure",
        "lmns",
        "direction",
        "amber",
        "red",
        "effective_from",
        "changed_by",
        "changed_at",
    ]
    list_filter = ["lmns", "measure"]
    # The direction follows from the measure (RagThreshold.clean).
    fields = ["lmns", "measure", "amber", "red", "effective_from", "note"]

    def _lmnss(self, request):
        if request.user.is_superuser:
            return Lmns.objects.all()
        return Lmns.objects.filter(
            memberships__user=request.user, memberships__role=Role.LMNS_SAFETY_LEAD
        ).distinct()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(lmns__in=self._lmnss(request))
            .select_related("lmns", "changed_by")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lmns":
            kwargs["queryset"] = self._lmnss(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return self._lmnss(request).exists()

    def has_view_permission(self, request, obj=None):
        return self._lmnss(request).exists()

    def has_add_permission(self, request):
        return self._lmnss(request).exists()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)


class SignInLogAdmin(admin.ModelAdmin):
    """The sign-in log, for the deployment's administrators only, and read-only: an audit
    trail that could be edited would prove nothing. Axes keeps no password."""

    list_display = ["attempt_time", "username", "ip_address", "user_agent"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    exclude = ["get_data", "post_data"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(SignInLogAdmin):
    list_display = [*SignInLogAdmin.list_display, "logout_time"]


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(SignInLogAdmin):
    list_display = [*SignInLogAdmin.list_display, "locked_out"]
    list_filter = ["attempt_time", "locked_out"]


@admin.register(AccessAttempt)
class AccessAttemptAdmin(SignInLogAdmin):
    """Who is locked out now. Deleting a row lifts the lock-out (the one change allowed):
    the failures themselves stay in the failure log."""

    list_display = [*SignInLogAdmin.list_display, "failures_since_start"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
