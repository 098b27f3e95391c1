from django.urls import path

from lmns.history import history_view
from workforce.champions import views as champions
from workforce.models import FtsuConcern, WorkforceReturn
from workforce.perinatal.urls import urlpatterns as perinatal_urlpatterns
from workforce.score.urls import urlpatterns as score_urlpatterns
from workforce.views import concerns, returns, speak_up

app_name = "workforce"

urlpatterns = [
    path("", returns.index, name="index"),
    path("providers/<str:ods_code>/", returns.provider_workforce, name="provider"),
    path("returns/new/", returns.return_create, name="return-create"),
    path("returns/<int:pk>/", returns.return_detail, name="return-detail"),
    path("returns/<int:pk>/history/", history_view(WorkforceReturn.objects), name="return-history"),
    path("returns/<int:pk>/edit/", returns.return_edit, name="return-edit"),
    path("speaking-up/", concerns.ftsu, name="ftsu"),
    path("speaking-up/concerns/new/", concerns.concern_create, name="concern-create"),
    path("speaking-up/concerns/<int:pk>/", concerns.concern_detail, name="concern-detail"),
    # Through FtsuConcern.objects.visible_to, like the concern itself: superusers get a 404.
    path("speaking-up/concerns/<int:pk>/history/", history_view(FtsuConcern.objects), name="concern-history"),
    path("speaking-up/concerns/<int:pk>/edit/", concerns.concern_edit, name="concern-edit"),
    path("speaking-up/concerns/<int:pk>/reply/", concerns.concern_reply, name="concern-reply"),
    path("speaking-up/concerns/<int:pk>/note/", concerns.concern_note, name="concern-note"),
    path("speaking-up/concerns/<int:pk>/take/", concerns.concern_take, name="concern-take"),
    path("speaking-up/concerns/<int:pk>/hand-over/", concerns.concern_hand_over, name="concern-hand-over"),
    path("speaking-up/return/", concerns.ftsu_return, name="ftsu-return"),
    path("speaking-up/return.xlsx", concerns.ftsu_return_xlsx, name="ftsu-return-xlsx"),
    # No account needed: staff speaking up to the LMNS directly.
    path("speak-up/", speak_up.speak_up, name="speak-up"),
    path("speak-up/case/", speak_up.speak_up_case, name="speak-up-case"),
    path("speak-up/sent/", speak_up.speak_up_sent, name="speak-up-sent"),
    # Safety champions and the voice of families (workforce.champions).
    path("champions/", champions.champions, name="champions"),
    path("champions/walkabouts/new/", champions.walkabout_create, name="champions-walkabout-create"),
    path("champions/walkabouts/<int:pk>/", champions.walkabout_detail, name="champions-walkabout"),
    path("champions/walkabouts/<int:pk>/edit/", champions.walkabout_edit, name="champions-walkabout-edit"),
    path(
        "champions/walkabouts/<int:pk>/actions/new/",
        champions.walkabout_action_add,
        name="champions-walkabout-action-add",
    ),
    path("champions/meetings/new/", champions.meeting_create, name="champions-meeting-create"),
    path("champions/meetings/<int:pk>/", champions.meeting_detail, name="champions-meeting"),
    path("champions/meetings/<int:pk>/edit/", champions.meeting_edit, name="champions-meeting-edit"),
    path(
        "champions/meetings/<int:pk>/actions/new/",
        champions.meeting_action_add,
        name="champions-meeting-action-add",
    ),
    path("champions/actions/<int:pk>/edit/", champions.action_edit, name="champions-action-edit"),
    path("champions/feedback/new/", champions.feedback_create, name="champions-feedback-create"),
    path("champions/feedback/<int:pk>/", champions.feedback_detail, name="champions-feedback"),
    path("champions/feedback/<int:pk>/edit/", champions.feedback_edit, name="champions-feedback-edit"),
]
# The perinatal return's rates, and the outcome signal log with its safety checks.
urlpatterns += perinatal_urlpatterns
# The SCORE culture survey cycle: waves, their mapping, results, debriefs and actions.
urlpatterns += score_urlpatterns
