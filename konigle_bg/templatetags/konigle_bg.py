from django import template

from .. import services

register = template.Library()


@register.simple_tag
def bg_image_url(image) -> str:
    """``{% bg_image_url image %}``: the URL to show (active variant, else the original)."""
    return services.display_url(image)
