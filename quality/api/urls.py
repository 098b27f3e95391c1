from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from quality.api import views

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_root_view = False
router.include_format_suffixes = False
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("learning", views.LearningViewSet, basename="learning")
router.register("safety-actions", views.SafetyActionViewSet, basename="safety-action")
router.register("ssig-meetings", views.SsigMeetingViewSet, basename="ssig-meeting")
router.register("incident-types", views.IncidentTypeViewSet, basename="incident-type")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("units", views.UnitViewSet, basename="unit")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("assessment-items", views.AssessmentItemViewSet, basename="assessment-item")
router.register("workforce-returns", views.WorkforceReturnViewSet, basename="workforce-return")

# DRF's views are exempt from LoginRequiredMiddleware: a token is not a session, so the API's
# own authentication (quality.api.authentication) decides, and answers 401 rather than redirecting.
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/quality/<str:ods_code>/", views.QualityView.as_view(), name="quality"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The interactive documentation is a page: the sign-in page opens it.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
        ),
        name="docs",
    ),
]
