"""Oscar's ProductAdmin gains konigle_bg's photo strip, Revert button and actions (autodiscovered
after Oscar's own admin modules, since this app comes after Oscar's in INSTALLED_APPS)."""

from django.contrib import admin
from oscar.core.loading import get_model

from ...admin import BackgroundProductAdminMixin

Product = get_model("catalogue", "Product")

if admin.site.is_registered(Product):
    base = type(admin.site.get_model_admin(Product))
    admin.site.unregister(Product)
else:
    base = admin.ModelAdmin

admin.site.register(
    Product,
    type("ProductAdmin", (BackgroundProductAdminMixin, base), {"__module__": __name__}),
)
