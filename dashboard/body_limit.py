"""Request bodies over settings.MAX_REQUEST_BODY_MB are refused before anything reads them."""

from django.conf import settings
from django.http import HttpResponse

from dashboard.errors import error_page
from dashboard.regions import HtmxHttpRequest, vary_on_htmx

# The limit, for our JavaScript's toast (static/js/dashboard.js): "at most 4 MB".
LIMIT_HEADER = "Dashboard-Body-Limit"


class BodySizeLimit:
    """413 for a request whose Content-Length is over the limit, decided from the headers
    alone: wsgi.input is never read, so announcing 50 MB ties up no memory or disk.

    Placed before the session, CSRF and sign-in middleware (CSRF reads request.POST), so
    it applies to everyone, signed in or not. A body without Content-Length (chunked)
    is never read by Django at all: it takes the body's length from that header only.
    The proxy in front should refuse the same sizes (README: nginx client_max_body_size).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        length = content_length(request.META)
        if length > max_body_bytes():
            # Django logs the 413 itself (django.request), as every 4xx.
            return too_large(request, length)
        return self.get_response(request)


def max_body_bytes() -> int:
    return int(settings.MAX_REQUEST_BODY_MB * 1024 * 1024)  # MiB, as nginx's "4m"


def content_length(meta: dict) -> int:
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: no body


def too_large(request: HtmxHttpRequest, length: int) -> HttpResponse:
    limit = f"{settings.MAX_REQUEST_BODY_MB:g} MB"
    message = (
        f"The form sent {length / 1024 / 1024:.1f} MB; the dashboard accepts at most {limit} "
        "at once, and a photo up to 1 MB. Nothing was saved. Go back (your input is still "
        "there), choose a smaller photo and save again."
    )
    if request.htmx:
        # Not a fragment: swapped over the form, it would erase what was typed. Our
        # JavaScript toasts a failed htmx request instead, naming the limit.
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    else:
        response = error_page(request, 413, "Too large to send", message)
    response[LIMIT_HEADER] = limit
    return vary_on_htmx(response)
