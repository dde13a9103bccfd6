"""What can go wrong talking to the Clients API, in terms a view can act on.

Messages are for staff and logs: they name the problem, never the secret key,
and never echo what the API sent back verbatim beyond short field messages.
"""


class ApiError(Exception):
    """Base of every failure the service module raises."""

    message = "The Clients API could not complete the request."
    retryable = False

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.message
        self.status = status
        super().__init__(self.message)


class NotFound(ApiError):
    message = "No such client."


class ValidationFailed(ApiError):
    """400/422: the API refused the data; `errors` maps API field name -> messages."""

    message = "The Clients API rejected the data."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.errors = errors or {}


class Conflict(ValidationFailed):
    """409: the data clashes with another record (a duplicate); may name the field."""

    message = "The change conflicts with existing data (for example a duplicate)."


class Misconfigured(ApiError):
    """401/403: the dashboard's key is missing, wrong or lacks rights."""

    message = "The dashboard is misconfigured: the Clients API refused its credentials."


class RateLimited(ApiError):
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = 429,
        retry_after: int | None = None,
    ) -> None:
        self.retry_after = retry_after
        if message is None:
            wait = f"in {retry_after} s" if retry_after else "in a moment"
            message = f"The Clients API is rate limiting the dashboard: try again {wait}."
        super().__init__(message, status=status)


class Unavailable(ApiError):
    """Timeouts, refused connections, 5xx, redirects: worth retrying later."""

    message = "The Clients API is not answering right now: try again in a moment."
    retryable = True


class Busy(Unavailable):
    """Every API slot of this process was taken (deadlines.NoSlot): nothing was sent."""


class OutcomeUnknown(Unavailable):
    """A write reached the API (or may have), but its answer was lost: a timeout after
    sending, a dropped connection, a gateway's 502/504, an unreadable success.

    Whether the change happened is unknown: callers check before inviting a retry.
    """

    message = "The Clients API did not confirm the change: it may or may not have been made."


class BadResponse(Unavailable):
    """The API answered something we cannot read (not JSON, or an unknown shape).

    `detail` says what, after the one sentence every region shows for it.
    """

    message = "The Clients API answered in a form the dashboard does not understand."

    def __init__(self, detail: str | None = None, *, status: int | None = None) -> None:
        message = f"{self.message.removesuffix('.')} ({detail})." if detail else None
        super().__init__(message, status=status)
