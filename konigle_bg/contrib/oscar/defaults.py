"""django-oscar's shape in konigle_bg's settings: registered as defaults (conf.register_defaults)
when the app loads, so a key the shop sets in KONIGLE_BG still wins."""

OSCAR_DEFAULTS = {
    # Oscar's catalogue (a forked catalogue app keeps the label "catalogue").
    "IMAGE_MODEL": "catalogue.ProductImage",
    "IMAGE_FIELD": "original",
    "PRODUCT_FIELD": "product",
    "PRODUCT_IMAGES": "images",
    "PRODUCT_TITLE": "get_title",  # a child product takes its parent's title
    "PRODUCT_DESCRIPTION": "description",
    "PRODUCT_PUBLISHED": "is_public",
    # Oscar has no store model: single-store mode on the current site (Oscar installs
    # django.contrib.sites and sets SITE_ID). Staff with konigle_bg's permission act on every
    # photo; a partner's users on the photos of the products they stock, as in Oscar's dashboard.
    "STORE_MODEL": None,
    "USER_PRODUCTS_FUNCTION": "konigle_bg.contrib.oscar.access.partner_products",
    # No Q_CLUSTER in the recipe: django-q2 runs on the shop's database (its ORM broker).
    "ORM_BROKER_FALLBACK": "default",
}
