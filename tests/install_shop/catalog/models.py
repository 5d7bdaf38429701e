from django.conf import settings
from django.db import models


class Shop(models.Model):
    label = models.CharField(max_length=80)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return self.label


class Item(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=120)
    live = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class Picture(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="pictures")
    file = models.FileField(upload_to="pictures/")

    def __str__(self) -> str:
        return self.file.name
