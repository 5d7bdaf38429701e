from django.urls import path

from . import views

app_name = "products"

urlpatterns = [
    path("", views.storefront, name="storefront"),
    path("p/<int:pk>/", views.product_detail, name="detail"),
]
