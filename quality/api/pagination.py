from rest_framework.pagination import PageNumberPagination

from lmns.pagination import PAGE_SIZE


class ApiPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    # Bounded, so that one request cannot ask for every record at once.
    max_page_size = 100
