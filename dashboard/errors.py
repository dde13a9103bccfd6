"""What a failure shows: the Clients API's errors as a message in the region that
failed (with a Retry control, so the rest of the page keeps working) or as a status,
and the error pages, Django's handlers among them (urls.py, settings.CSRF_FAILURE_VIEW).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.http import HttpRequest, HttpResponse

from dashboard import api
from dashboard.regions import FRAGMENT_HEADER, render_page, wants_fragment

T = TypeVar("T")

ERROR_STATUS = {
    api.NotFound: 404,
    api.Conflict: 409,  # before its base class, ValidationFailed
    api.ValidationFailed: 422,
    api.RateLimited: 429,
    api.Misconfigured: 502,
    api.BadResponse: 502,
    api.Unavailable: 503,
}


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
