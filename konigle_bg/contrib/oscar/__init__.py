"""konigle_bg for a stock django-oscar shop, with nothing but this in its settings::

    INSTALLED_APPS += ["django_q", "rest_framework", "konigle_bg", "konigle_bg.contrib.oscar"]
    OSCAR_THUMBNAILER = "konigle_bg.contrib.oscar.thumbnails.Thumbnailer"

(and ``konigle_bg.urls`` / ``konigle_bg.api.urls`` mounted before Oscar's own URLs). It
supplies Oscar's defaults (``defaults.py``; keys of the shop's KONIGLE_BG still win), shows the
processed photo wherever Oscar thumbnails a product image (``thumbnails.py``), adds the photo
strip and actions to Oscar's ProductAdmin (``admin.py``) and a link to the review page to the
dashboard's product page (``dashboard.py``).
"""
