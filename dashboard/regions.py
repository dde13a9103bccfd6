"""Pages and their regions: one template serves the full page and, for htmx, one partial.

Failures from the service module become a message inside the region that
failed, with a Retry control, so the rest of the page keeps working. Error
responses meant to be swapped carry the `Dashboard-Fragment` header; our
JavaScript swaps only those (htmx 2 swaps no 4xx/5xx by default) and reports
any other failed request in a toast.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from dashboard import api

FRAGMENT_HEADER = "Dashboard-Fragment"

ERROR_STATUS = {
    api.NotFound: 404,
    api.ValidationFailed: 422,
    api.Conflict: 409,
    api.RateLimited: 429,
    api.Misconfigured: 502,
    api.BadResponse: 502,
    api.Unavailable: 503,
}


def wants_fragment(request: HttpRequest) -> bool:
    # A boosted request wants the whole page, like a plain link would.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


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
    patch_vary_headers(response, ("HX-Request",))
    if fragment and status >= 400:
        response[FRAGMENT_HEADER] = "1"
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


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {"title": title, "message": message, "status": status}
    response = render_page(request, "errors/page.html", context, partial="problem", status=status)
    if wants_fragment(request):
        response[FRAGMENT_HEADER] = "1"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        404,
        "Not found",
        "There is nothing at this address. It may have been deleted or mistyped.",
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        403,
        "Not allowed",
        "Your role does not allow this. Ask a manager if you need access.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request,
        500,
        "Something went wrong",
        "The dashboard hit an unexpected error. It has been logged; try again.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        request,
        403,
        "Form expired",
        "This form's security token has expired. Reload the page and try again.",
    )
