"""The demo site without the remove.bg-compatible endpoint: a shop that leaves
``konigle_bg.removebg`` out of INSTALLED_APPS (tests/test_removebg_optional.py)."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, KONIGLE_BG

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "konigle_bg.removebg"]
KONIGLE_BG = {**KONIGLE_BG, "SYNC": True}
