from django.shortcuts import get_object_or_404, render

from konigle_bg.services import display_urls

from .models import Product, ProductImage


def storefront(request):
    products = list(Product.objects.published().select_related("store").prefetch_related("images"))
    images = [p.images.all()[0] for p in products if p.images.all()]
    urls = display_urls(images)
    cards = [
        {"product": p, "url": urls.get(p.images.all()[0].pk) if p.images.all() else ""}
        for p in products
    ]
    return render(request, "products/storefront.html", {"cards": cards})


def product_detail(request, pk: int):
    product = get_object_or_404(Product.objects.published(), pk=pk)
    images = list(ProductImage.objects.filter(product=product))
    urls = display_urls(images)
    return render(
        request,
        "products/detail.html",
        {"product": product, "photos": [urls[i.pk] for i in images]},
    )
