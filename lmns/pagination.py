from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; out-of-range or malformed page numbers give the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
