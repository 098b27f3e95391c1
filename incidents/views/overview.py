from django.shortcuts import render

from incidents import selectors
from incidents.models import Incident, Learning, LearningStatus, SafetyAction
from lmns.access import lmnss_for


def index(request):
    user = request.user
    incidents = Incident.objects.visible_to(user)
    context = {
        "open_incidents": incidents.open().count(),
        "draft_learning": Learning.objects.visible_to(user).filter(status=LearningStatus.DRAFT).count(),
        "overdue_actions": SafetyAction.objects.visible_to(user).overdue().count(),
        "next_meeting": selectors.next_ssig_meeting(lmns_ids=lmnss_for(user).values("pk")),
    }
    return render(request, "incidents/index.html", context)
