from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("bg/", include("konigle_bg.urls")),
    path("api/bg/", include("konigle_bg.api.urls")),
]
if apps.is_installed("konigle_bg.removebg"):
    # remove.bg's own paths, so its clients need only a new host name (docs/api.md).
    urlpatterns += [path("", include("konigle_bg.removebg.root_urls"))]
urlpatterns += [
    # OpenAPI schema and its docs pages (Swagger UI / Redoc assets from the sidecar, no CDN).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("products.urls")),
]


def media(request, path: str):
    """Development media only (production: the web server, docs/deploy.md). Settings are read
    per request, so tests can turn it on; nosniff comes from SecurityMiddleware."""
    if not (settings.DEBUG or getattr(settings, "SERVE_MEDIA", False)):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns += [re_path(r"^media/(?P<path>.*)$", media)]
