"""Pages and their regions: one template serves the full page and, for htmx, one partial.

Failures from the service module become a message inside the region that
failed, with a Retry control, so the rest of the page keeps working. Error
responses meant to be swapped carry the `Dashboard-Fragment` header; our
JavaScript swaps only those (htmx 2 swaps no 4xx/5xx by default) and reports
any other failed request in a toast.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from dashboard import api

T = TypeVar("T")


class HtmxHttpRequest(HttpRequest):
    """A request once django-htmx's middleware (always installed) has run."""

    htmx: HtmxDetails


FRAGMENT_HEADER = "Dashboard-Fragment"

ERROR_STATUS = {
    api.NotFound: 404,
    api.Conflict: 409,  # before its base class, ValidationFailed
    api.ValidationFailed: 422,
    api.RateLimited: 429,
    api.Misconfigured: 502,
    api.BadResponse: 502,
    api.Unavailable: 503,
}


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


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """The result of one API call for a region: its value, or what to show instead."""

    value: T | None
    problem: dict[str, Any] | None = None
    status: int = 200


def fetch(call: Callable[[], T], *, retry_url: str) -> Fetched[T]:
    """Run one service-module call for a region; a failure becomes the region's message.

    Not found is left to the caller (a missing client is a 404 page, not a region).
    """
    try:
        return Fetched(call())
    except api.NotFound:
        raise
    except api.ApiError as error:
        return Fetched(None, api_problem(error, retry_url=retry_url), error_status(error))


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


def error_status(error: api.ApiError) -> int:
    for kind, status in ERROR_STATUS.items():
        if isinstance(error, kind):
            return status
    return 502


def api_problem(error: api.ApiError, *, retry_url: str | None = None) -> dict[str, Any]:
    """What a region shows when the API failed: a sentence, and how to retry."""
    return {
        "message": error.message,
        "retryable": error.retryable,
        "retry_after": getattr(error, "retry_after", None),
        "retry_url": retry_url,
    }


def error_page(
    request: HttpRequest, status: int, title: str, message: str, *, retry_url: str | None = None
) -> HttpResponse:
    context = {"title": title, "message": message, "status": status, "retry_url": retry_url}
    response = render_page(request, "errors/page.html", context, partial="problem", status=status)
    if wants_fragment(request):
        response[FRAGMENT_HEADER] = "1"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request,
        404,
        "Not found",
        "There is nothing at this address. It may have been deleted or mistyped.",
    )


def forbidden(
    request: HttpRequest, exception: Exception | None = None, *, no_role: bool = False
) -> HttpResponse:
    if no_role:
        return error_page(
            request,
            403,
            "No role yet",
            "Your account has no role in the dashboard. Ask an administrator to give you "
            "the Viewer, Officer or Manager role.",
        )
    return error_page(
        request,
        403,
        "Not allowed",
        "Your role does not allow this. Ask a manager if you need access.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        500,
        "Something went wrong",
        "The dashboard hit an unexpected error. It has been logged; try again.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(
        request,
        403,
        "Form expired",
        "This form's security token has expired. Reload the page and try again.",
    )


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
