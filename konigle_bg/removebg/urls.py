"""The endpoint under the API: joined to ``konigle_bg.api.urls`` (``/api/bg/v1.0/removebg``)
while this app is installed (``RemoveBgConfig.bg_api_urls``), in its ``konigle_bg_api``
namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("v1.0/removebg", views.RemoveBackground.as_view(), name="removebg"),
    path("v1.0/account", views.Account.as_view(), name="removebg-account"),
    path("v1.0/results/<str:token>", views.KeptResult.as_view(), name="removebg-result"),
]
