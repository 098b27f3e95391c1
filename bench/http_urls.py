"""The product's URLs, plus the minimal page that the HTTP throughput bench measures pages against."""

from django.http import HttpResponse
from django.urls import path

from lmns.urls import urlpatterns as product_urlpatterns

MINIMAL_PATH = "bench/minimal/"


def minimal(request):
    """No queries and no template of its own: what every signed-in request costs before the
    page's own work (middleware, session, user, two-factor check)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(MINIMAL_PATH, minimal, name="bench-minimal"), *product_urlpatterns]
