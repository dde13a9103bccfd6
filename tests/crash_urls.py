"""The dashboard's URLs plus one page that crashes: for checking a real 500's headers.

Selected with ROOT_URLCONF=tests.crash_urls (an environment variable that
dashboard/settings.py reads), only by the suite's own servers.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from dashboard.urls import handler403, handler404, handler500, urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a deliberate crash, for the 500 page's headers")


urlpatterns = [path("_crash/", crash), *urlpatterns]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
