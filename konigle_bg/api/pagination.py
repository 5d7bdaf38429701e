"""The API's lists are paginated with konigle_bg's own default, whatever the shop's
REST_FRAMEWORK settings say (a shop with no pagination would otherwise get bare arrays):
``?page=``, ``?page_size=`` up to ``API_MAX_PAGE_SIZE``, ``API_PAGE_SIZE`` (50) a page."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from ..conf import bg_settings


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return int(bg_settings.API_PAGE_SIZE)

    @property
    def max_page_size(self) -> int:
        return int(bg_settings.API_MAX_PAGE_SIZE)
