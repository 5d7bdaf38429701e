"""remove.bg's own paths at the site's root, so its clients need only a new host name:
``path("", include("konigle_bg.removebg.root_urls"))`` (docs/api.md). The same views as under
the API, documented there once."""

from django.urls import path

from . import views

urlpatterns = [
    path("v1.0/removebg", views.RemoveBackgroundAlias.as_view(), name="removebg"),
    path("v1.0/account", views.AccountAlias.as_view(), name="removebg-account"),
    path("v1.0/results/<str:token>", views.KeptResultAlias.as_view(), name="removebg-result"),
]
