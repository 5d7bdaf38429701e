"""``path("api/bg/", include("konigle_bg.api.urls"))``."""

from django.apps import apps
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import corrections, errors, imports, views

app_name = "konigle_bg_api"

router = DefaultRouter()
router.register("images", views.ImageViewSet, basename="image")
router.register("jobs", views.JobViewSet, basename="job")
router.register("products", views.ProductViewSet, basename="product")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("theme-runs", views.ThemeRunViewSet, basename="themerun")

urlpatterns = router.urls + [
    path(
        "images/<int:pk>/corrections/", corrections.ImageCorrections.as_view(), name="corrections"
    ),
    path("products/<int:pk>/photos/", imports.PhotoUpload.as_view(), name="product-photos"),
    path(
        "products/<int:pk>/photos-from-url/",
        imports.PhotosFromUrl.as_view(),
        name="product-photos-from-url",
    ),
]
# Installed apps that add to the API name their URL module in their AppConfig's
# ``bg_api_urls`` (konigle_bg.removebg: /v1.0/removebg); the API names none of them.
urlpatterns += [
    path("", include(config.bg_api_urls))
    for config in apps.get_app_configs()
    if getattr(config, "bg_api_urls", None)
]
# Last: any other path under the API (a malformed id such as "1.5", or one with a newline,
# 404 in its error shape, never the site's HTML page.
urlpatterns += [re_path(r"^[\s\S]*$", errors.not_found, name="not-found")]
