from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views

app_name = "konigle_bg"

urlpatterns = [
    path("", views.index, name="index"),
    # gettext() for the review pages' scripts (konigle_bg's djangojs catalog).
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["konigle_bg"]), name="jsi18n"),
    path("stores/<int:store_id>/", views.review_store, name="review-store"),
    path("products/<int:product_id>/", views.review_product, name="review-product"),
    path("products/<int:product_id>/revert/", views.revert_product, name="revert-product"),
    path("products/<int:product_id>/reprocess/", views.reprocess_product, name="reprocess-product"),
    path("images/status/", views.images_status, name="images-status"),
    path("images/<int:image_id>/status/", views.image_status, name="image-status"),
    path("images/<int:image_id>/reprompt/", views.reprompt, name="reprompt"),
    path("images/<int:image_id>/revert/", views.revert, name="revert"),
    path("images/<int:image_id>/activate/", views.activate, name="activate"),
    path("images/<int:image_id>/accept/", views.accept, name="accept"),
]
