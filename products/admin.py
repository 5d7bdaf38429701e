from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from konigle_bg.admin import BackgroundProductAdminMixin
from konigle_bg.host import stores_for

from .models import Product, ProductImage, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "review_photos"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["staff"]
    readonly_fields = ["review_photos"]

    @admin.display(description="Photos")
    def review_photos(self, obj) -> str:
        # konigle_bg's review grid: before/after of every processed photo, least confident first.
        if not obj or not obj.pk:
            return "-"
        url = reverse("konigle_bg:review-store", args=[obj.pk])
        return format_html('<a href="{}" class="bg-review-store">Review photos</a>', url)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=stores_for(request.user))


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1
    fields = ["image", "position"]


@admin.register(Product)
class ProductAdmin(BackgroundProductAdminMixin, admin.ModelAdmin):
    list_display = ["title", "store", "status", "published_at"]
    list_filter = ["status", "store"]
    search_fields = ["title"]
    inlines = [ProductImageInline]
    fields = ["store", "title", "description", "status"]
    actions = ["publish"]  # the mixin adds its own

    def get_queryset(self, request):
        return super().get_queryset(request).filter(store__in=stores_for(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            kwargs["queryset"] = stores_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description="Publish selected products", permissions=["change"])
    def publish(self, request, queryset):
        n = 0
        for product in queryset.exclude(status=Product.Status.PUBLISHED):
            product.publish()
            n += 1
        self.message_user(request, f"{n} product(s) published.", messages.SUCCESS)
