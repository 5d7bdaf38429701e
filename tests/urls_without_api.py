"""A shop that mounts the review pages and the admin, but not konigle_bg's API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("bg/", include("konigle_bg.urls")),
]
