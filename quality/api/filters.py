"""The pages' filtersets, fitted to the API where a page gives them more than the request."""

from django.db.models import Q

from incidents.filters import LearningFilter
from lmns.access import lmnss_for, providers_for
from lmns.models import Provider


class ApiLearningFilter(LearningFilter):
    def __init__(self, *args, request, **kwargs):
        # The API lists the user's providers' learning and what their LMNS shared.
        user = request.user
        providers = Provider.objects.filter(Q(pk__in=providers_for(user)) | Q(lmns__in=lmnss_for(user)))
        super().__init__(*args, request=request, providers=providers, **kwargs)
