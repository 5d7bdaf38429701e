"""Recipes for the shop frameworks konigle_bg meets: each an app of its own to add to
INSTALLED_APPS after ``konigle_bg`` (``konigle_bg.contrib.oscar``: django-oscar)."""
