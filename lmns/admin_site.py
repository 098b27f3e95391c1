from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.urls import path


class LmnsAdminSite(admin.AdminSite):
    site_header = "LMNS Safety administration"
    site_title = "LMNS Safety administration"
    index_title = "Reference data and organisations"

    def get_urls(self):
        # Django's "view on site" redirect resolves any object by id without our access
        # checks, which would let a safety lead learn what exists in other LMNSs: keep it
        # for deployment administrators only.
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *urls,
        ]

    def view_on_site(self, request, content_type_id, object_id):
        from django.contrib.contenttypes.views import shortcut  # models aren't ready at import

        if not request.user.is_superuser:
            raise Http404
        return shortcut(request, content_type_id, object_id)

    def get_app_list(self, request, app_label=None):
        # Django asks every ModelAdmin what it would show even on the sign-in page, where
        # the visitor is anonymous; ours look the user's memberships up, so ask them only
        # on behalf of someone who may use the admin at all.
        if not self.has_permission(request):
            return []
        return super().get_app_list(request, app_label)

    def has_permission(self, request):
        # LMNS safety leads keep the reference data (incident types, themes) without
        # being Django staff; each ModelAdmin still decides what they may touch.
        from lmns.access import edits_reference_data  # models aren't ready when this module loads

        user = request.user
        return user.is_active and (user.is_staff or edits_reference_data(user))


class LmnsAdminConfig(AdminConfig):
    default_site = "lmns.admin_site.LmnsAdminSite"
