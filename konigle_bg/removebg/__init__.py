"""The remove.bg-compatible endpoint, an app of its own: one call, image in, result out.

``POST /v1.0/removebg`` with remove.bg's parameters and answers, per-store API keys (stored
hashed), one usage row per call, rate limits, and results kept for a day where a store opts in
(docs/api.md). It builds on konigle_bg's public names only (the ``konigle_bg.services``
facade, the pure ``konigle_bg.imaging``, ``conf``, ``host``, ``errors``, ``storage``,
``validators``, ``urlfetch``, ``admin_scoping``; tests/test_import_graph.py); nothing in
konigle_bg imports it, so a shop that does not want a metered endpoint leaves it out of
``INSTALLED_APPS``:

    INSTALLED_APPS += ["konigle_bg", "konigle_bg.removebg"]

Installed, its URLs join ``konigle_bg.api.urls`` (``/api/bg/v1.0/removebg``), and
``path("", include("konigle_bg.removebg.root_urls"))`` serves remove.bg's own paths too.
"""
