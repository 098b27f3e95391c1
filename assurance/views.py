from django.shortcuts import render

from lmns.models import Provider


def index(request):
    providers = Provider.objects.visible_to(request.user).select_related("lmns")
    return render(request, "assurance/index.html", {"providers": providers})
