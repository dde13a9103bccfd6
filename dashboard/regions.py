"""Pages and their regions: one template serves the full page and, for htmx, one partial.

What a failure shows instead (a message in the region, an error page) is errors.py's.
Error responses meant to be swapped carry the `Dashboard-Fragment` header; our
JavaScript swaps only those (htmx 2 swaps no 4xx/5xx by default) and reports any
other failed request in a toast.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request once django-htmx's middleware (always installed) has run."""

    htmx: HtmxDetails


FRAGMENT_HEADER = "Dashboard-Fragment"


def wants_fragment(request: HttpRequest) -> bool:
    # A boosted request, or htmx restoring history (its snapshot cache is off),
    # wants the whole page, like a plain link would. Not typed HtmxHttpRequest: the
    # error pages ask too, for failures in the middleware that runs before htmx's.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only `template#partial` when htmx asks for the region."""
    fragment = partial is not None and wants_fragment(request)
    response = render(
        request, f"{template}#{partial}" if fragment else template, context, status=status
    )
    vary_on_htmx(response)
    if fragment and status >= 400:
        response[FRAGMENT_HEADER] = "1"
    return response


def navigate(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Go to another page: a redirect, or for htmx a full-page client redirect."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def posted(request: HttpRequest):
    """The POST data for a bound form, even when empty; None (an unbound form) for GET.

    `request.POST or None` would treat an empty POST as a first visit.
    """
    return request.POST if request.method == "POST" else None


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """Mark a response that differs for htmx, so no cache serves one for the other."""
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


class FlashMessagesForHtmx:
    """Messages added during an htmx request that swaps in place (no redirect)
    reach the page out of band, into the #messages region of the layout."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.htmx
            and not response.streaming
            and "HX-Redirect" not in response
            and response.get("Content-Type", "").startswith("text/html")
            and 200 <= response.status_code < 500
            and len(getattr(request, "_messages", ()))  # counting does not consume them
        ):
            response.content += render_to_string(
                "partials/messages_oob.html", request=request
            ).encode()
        return response
