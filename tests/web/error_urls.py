"""The product's URLs plus two views that fail on purpose (for the error-page tests)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from atiende.urls import handler500, urlpatterns  # noqa: F401 - the 500 handler with them


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-forbidden/", _forbidden),
    path("test-broken/", _broken),
    *urlpatterns,
]
