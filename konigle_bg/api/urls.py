"""``path("api/bg/", include("konigle_bg.api.urls"))``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import corrections, imports, views

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
