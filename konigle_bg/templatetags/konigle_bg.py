"""Template helpers: what the storefront shows for a photo, whatever they are handed.

    {% load konigle_bg %}
    {% bg_image_url photo %}                   the URL to show (active result, else original)
    {{ photo|bg_url }}                         the same, as a filter
    {{ photo|bg_file }}                        the FILE to show, for any thumbnailer:
    {% thumbnail photo|bg_file "300x300" as t %}   (sorl-thumbnail)
    {{ photo|bg_file|thumbnail_url:"small" }}      (easy-thumbnails)

Each takes a photo, its image file (``image.original`` in django-oscar), ``None``, a string or
a placeholder (django-oscar's missing-image dict) and falls back to what it was given. A
listing page costs one query for all its photos (``services.display``).
"""

from django import template

from ..services import display

register = template.Library()


@register.simple_tag
def bg_image_url(image) -> str:
    """``{% bg_image_url image %}``: the URL to show (active variant, else the original)."""
    return display.shown_url(image)


@register.filter
def bg_url(image) -> str:
    """``{{ image|bg_url }}``: as :func:`bg_image_url`."""
    return display.shown_url(image)


@register.filter
def bg_file(image):
    """``{{ image|bg_file }}``: the storage file shown (a FieldFile of the active variant, else
    the original's); anything that is not a photo comes back unchanged."""
    return display.shown_file(image)
