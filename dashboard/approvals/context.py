"""Template context: the pending requests, for the navigation's count badge. Lazy: read
(from the shared cache, deletions.pending) only by a page that shows the badge."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import deletions


def requests(request: HttpRequest) -> dict:
    return {
        "pending_requests": SimpleLazyObject(deletions.pending),
        # The clients list offers "Request export…" instead of the direct whole-book export.
        "four_eyes_export": settings.FOUR_EYES_EXPORT,
    }
