from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Store catalogue"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
