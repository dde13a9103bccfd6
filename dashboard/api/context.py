"""The dashboard request the service module is serving: its id, and its API calls so far.

A middleware outside this package (dashboard/monitoring/tracing.py) opens a
`RequestTrace` for each dashboard request with `serving`; the transport sends the
trace's id as `X-Request-ID` on every call and adds each call's time to it, which
becomes the page's `Server-Timing` and its access-log line. The trace is per
thread, like the deadlines (deadlines.py): a thread that calls the API for a
request (the export's page fetchers) takes the request's trace with it, so its calls
carry the same id and count towards the same request.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

REQUEST_ID_HEADER = "X-Request-ID"

_local = threading.local()


@dataclass
class RequestTrace:
    request_id: str
    calls: int = 0
    seconds: float = 0.0  # waiting on the API, slot and retries included
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_call(self, seconds: float) -> None:
        with self._lock:  # the export's page fetchers add their calls too
            self.calls += 1
            self.seconds += seconds


def current_trace() -> RequestTrace | None:
    """The trace of the request this thread serves (None: outside any request)."""
    return getattr(_local, "trace", None)


@contextmanager
def serving_request(trace: RequestTrace | None) -> Iterator[RequestTrace | None]:
    """API calls made inside, on this thread, belong to `trace`."""
    previous = current_trace()
    _local.trace = trace
    try:
        yield trace
    finally:
        _local.trace = previous


def request_id() -> str | None:
    trace = current_trace()
    return None if trace is None else trace.request_id


def record_call(seconds: float) -> None:
    trace = current_trace()
    if trace is not None:
        trace.add_call(seconds)


def with_request_id(headers: dict[str, str] | None) -> dict[str, str] | None:
    """A call's headers, plus the request id of the request that causes it."""
    identifier = request_id()
    if identifier is None:
        return headers
    return {REQUEST_ID_HEADER: identifier, **(headers or {})}
