"""Template context: the requests awaiting the user's decision, for the navigation's count
badge. Lazy: read (from the shared cache, deletions.pending) only by a page that shows the
badge."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import deletions


def requests(request: HttpRequest) -> dict:
    def awaiting_decision() -> list[dict]:
        # A request is decided by another Manager than its asker: the asker's own are
        # not waiting on them (the Requests page lists them, saying so).
        return [
            entry for entry in deletions.pending() if entry["requested_by_id"] != request.user.pk
        ]

    return {
        "awaiting_decision": SimpleLazyObject(awaiting_decision),
        # The clients list offers "Request export…" instead of the direct whole-book export.
        "four_eyes_export": settings.FOUR_EYES_EXPORT,
    }
