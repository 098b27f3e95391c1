from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from lmns.api import views

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_root_view = False
router.include_format_suffixes = False
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("learning", views.LearningViewSet, basename="learning")
router.register("safety-actions", views.SafetyActionViewSet, basename="safety-action")
router.register("ssig-meetings", views.SsigMeetingViewSet, basename="ssig-meeting")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("assessment-items", views.AssessmentItemViewSet, basename="assessment-item")
router.register("workforce-returns", views.WorkforceReturnViewSet, basename="workforce-return")

# A token is not a session: the API's own authentication (lmns.api.authentication) decides,
# and answers 401 rather than redirecting to the sign-in page.
for route in router.urls:
    login_not_required(route.callback)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/quality/<str:ods_code>/", login_not_required(views.QualityView.as_view()), name="quality"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # The interactive documentation is a page: signing in through the site opens it.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
