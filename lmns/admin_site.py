from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class LmnsAdminSite(admin.AdminSite):
    site_header = "LMNS Safety administration"
    site_title = "LMNS Safety administration"
    index_title = "Reference data and organisations"

    def get_urls(self):
        # Django's "view on site" redirect resolves any object by id without our access
        # checks, which would let an admin user learn what exists in other LMNSs.
        return [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]

    def has_permission(self, request):
        # LMNS safety leads keep the reference data (incident types, themes) without
        # being Django staff; each ModelAdmin still decides what they may touch.
        from lmns.access import edits_reference_data  # models aren't ready when this module loads

        user = request.user
        return user.is_active and (user.is_staff or edits_reference_data(user))


class LmnsAdminConfig(AdminConfig):
    default_site = "lmns.admin_site.LmnsAdminSite"
