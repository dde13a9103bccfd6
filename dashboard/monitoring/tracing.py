"""Every request: an id, its Server-Timing, and one access line when it ends.

The id comes from the proxy's `X-Request-ID` when it is well formed (8 to 128
characters of letters, digits and `._:-`), or is made here; it goes back on the
response, on every Clients API call the request causes (the service module's
trace, api/context.py) and on every log line written meanwhile (logs.py).

`Server-Timing: api;dur=…;desc="N calls", app;dur=…` shows in the browser's network
panel where a slow page's time went: waiting on the Clients API, or in the
dashboard itself. A streamed CSV export's header is sent before its later pages are
read, so its figures cover the first page; its access line, written when the
download ends, covers them all.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponseBase

from dashboard import api
from dashboard.api.context import REQUEST_ID_HEADER

from .logs import route_name

logger = logging.getLogger("dashboard.requests")

WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Lines only at DEBUG, unless failing: a load balancer asks the probes every few seconds,
# and static files are whitenoise's work (gunicorn's access log, when on, has them too).
QUIET_ROUTES = frozenset({"healthz", "readyz", "static"})


def accepted_request_id(given: str | None) -> str:
    """The proxy's id if well formed; a new one otherwise (never a header we cannot log)."""
    if given and WELL_FORMED_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def server_timing(seconds: float, trace: api.RequestTrace) -> str:
    api_ms = trace.seconds * 1000
    app_ms = max(seconds * 1000 - api_ms, 0.0)
    calls = f"{trace.calls} call{'' if trace.calls == 1 else 's'}"
    return f'api;dur={api_ms:.1f};desc="{calls}", app;dur={app_ms:.1f}'


class RequestTracing:
    """Outermost middleware: the request id, Server-Timing and the access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        trace = api.RequestTrace(accepted_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.request_id = trace.request_id
        with api.serving_request(trace):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = trace.request_id
        response["Server-Timing"] = server_timing(time.perf_counter() - started, trace)
        # A file (whitenoise's static files) is left whole: the server may send it with
        # sendfile, and it reads no API.
        if response.streaming and getattr(response, "file_to_stream", None) is None:
            response.streaming_content = self._streamed(
                response.streaming_content, request, response, trace, started
            )
        else:
            log_access(request, response, trace, time.perf_counter() - started)
        return response

    @staticmethod
    def _streamed(
        chunks: Iterable[bytes],
        request: HttpRequest,
        response: HttpResponseBase,
        trace: api.RequestTrace,
        started: float,
    ) -> Iterator[bytes]:
        """The body, each chunk made within the request's trace (an export reads the API
        while it streams); the access line once it ends, however it ends."""
        iterator, finished = iter(chunks), False
        try:
            while True:
                with api.serving_request(trace):
                    chunk = next(iterator, None)
                if chunk is None:
                    break
                yield chunk
            finished = True
        finally:
            log_access(request, response, trace, time.perf_counter() - started, cut=not finished)


def log_access(
    request: HttpRequest,
    response: HttpResponseBase,
    trace: api.RequestTrace,
    seconds: float,
    *,
    cut: bool = False,
) -> None:
    """One line per request: who, which route (never the path), status, time, API calls."""
    fields = {
        "request_id": trace.request_id,
        "user_id": signed_in_user_id(request),
        "method": request.method,
        "route": route_name(request),
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "api_calls": trace.calls,
        "api_ms": round(trace.seconds * 1000, 1),
    }
    quiet = fields["route"] in QUIET_ROUTES and response.status_code < 400
    logger.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %s in %.0f ms, %d API calls in %.0f ms%s%s",
        fields["method"],
        fields["route"] or "(no route)",
        fields["status"],
        fields["duration_ms"],
        fields["api_calls"],
        fields["api_ms"],
        f", user {fields['user_id']}" if fields["user_id"] else "",
        ", stream cut short" if cut else "",
        extra=fields,
    )


def signed_in_user_id(request: HttpRequest) -> str | None:
    """The signed-in user's id, only if the request already read its session: reading it
    here would cost a query (and fail while the database is down, for /healthz)."""
    session = getattr(request, "session", None)
    if session is None or not session.accessed:
        return None
    return session.get(SESSION_KEY)
