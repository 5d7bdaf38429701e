from django.urls import path

from . import views

app_name = "konigle_bg"

urlpatterns = [
    path("images/<int:image_id>/status/", views.image_status, name="image-status"),
]
