from django.contrib import admin
from django.urls import include, path

from lmns import views
from lmns.history import history_view
from lmns.models import Provider
from lmns.password_reset import PasswordResetView
from lmns.two_factor import views as two_factor_views
from lmns.work_email import views as work_email_views
from quality import views as quality_views

lmns_patterns = (
    [
        path("providers/", views.provider_list, name="provider-list"),
        path("providers/<str:ods_code>/", views.provider_detail, name="provider-detail"),
        path("providers/<str:ods_code>/history/", history_view(Provider.objects), name="provider-history"),
        path("providers/<str:ods_code>/units/new/", views.unit_create, name="unit-create"),
        path("providers/<str:ods_code>/units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
        path("quality/", quality_views.quality, name="quality"),
        # Before the provider pages, whose ODS code would otherwise swallow "board-packs".
        path("quality/board-packs/", quality_views.board_pack_start, name="board-pack-start"),
        path("quality/board-packs/<int:pk>/", quality_views.board_pack_job, name="board-pack-job"),
        path(
            "quality/board-packs/<int:pk>/download/",
            quality_views.board_pack_download,
            name="board-pack-download",
        ),
        path("quality/<str:ods_code>/", quality_views.quality_provider, name="quality-provider"),
        path("quality/<str:ods_code>/board-pack/", quality_views.board_pack, name="board-pack"),
        path(
            "quality/<str:ods_code>/board-pack.xlsx",
            quality_views.board_pack_workbook,
            name="board-pack-workbook",
        ),
    ],
    "lmns",
)

urlpatterns = [
    path("", quality_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", two_factor_views.SignInView.as_view(), name="login"),
    path("accounts/login/code/", two_factor_views.verify, name="two-factor-verify"),
    path("accounts/two-factor/", two_factor_views.overview, name="two-factor"),
    path("accounts/two-factor/set-up/", two_factor_views.enrol, name="two-factor-enrol"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor_views.recovery_codes_replace,
        name="two-factor-recovery-codes",
    ),
    path("accounts/two-factor/turn-off/", two_factor_views.turn_off, name="two-factor-turn-off"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/api-tokens/", include("quality.api.token_urls")),
    path("accounts/work-emails/", work_email_views.settings, name="work-email-settings"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include(lmns_patterns)),
    path("people/", include("lmns.people.urls")),
    path("incidents/", include("incidents.urls")),
    path("assurance/", include("assurance.urls")),
    path("workforce/", include("workforce.urls")),
    path("api/", include("quality.api.urls")),
    path("admin/", admin.site.urls),
]
