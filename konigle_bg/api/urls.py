"""``path("api/bg/", include("konigle_bg.api.urls"))``."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import corrections, errors, imports, removebg, views

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
    # remove.bg's v1.0 API (docs/api.md); the demo site mounts it at /v1.0/ too.
    path("v1.0/removebg", removebg.RemoveBackground.as_view(), name="removebg"),
    path("v1.0/account", removebg.Account.as_view(), name="removebg-account"),
    path("v1.0/results/<str:token>", removebg.KeptResult.as_view(), name="removebg-result"),
]
# Last: any other path under the API (a malformed id such as "1.5" included) is the API's own
# 404 in its error shape, never the site's HTML page.
urlpatterns += [re_path(r"^.*$", errors.not_found, name="not-found")]
