"""Time limits on the Clients API: one per call (retries included), one per dashboard request.

requests' read timeout bounds each socket read, not the whole answer: an API that
drips one byte a second never trips it and would hold a worker thread for minutes.
Here every read of an answer, headers and body alike, checks the deadline of the
call under way and waits at most until then; a connection is opened with at most
the time left, and a retry is not started (nor waited for) past it.

The deadline is per thread: the transport sets it around each call
(`call_deadline`), and `RequestBudget`, a middleware, bounds the sum of the calls
one dashboard request makes, so no page waits longer than API_REQUEST_BUDGET.

A call made for a reader that has gone (a page fetched ahead for an export or a
summary, once the download or the reading has ended: `abandon_on`) sends no attempt,
neither its first nor a retry (checked as each is sent, after any wait before it); an
attempt under way ends as it would, and its answer is dropped.

And a slow API never takes every worker thread: at most API_CONCURRENT_CALLS calls
wait on it at once in a process (keep it below gunicorn's threads per worker), so
sign-in, the audit log and health checks still find a free thread. A call that
finds no free slot within half a second gives up with a retryable message.
"""

import http.client
import io
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

_local = threading.local()


MIN_CALL_SECONDS = 0.1  # less than this left is not worth a call
SLOT_WAIT_SECONDS = 0.5


class OutOfTime(Exception):
    """The dashboard request has spent its API budget: no call is started."""


class Abandoned(Exception):
    """The reader the call was for has gone (`abandon_on`): nothing is sent."""


class NoSlot(Exception):
    """API_CONCURRENT_CALLS calls are already waiting on the API in this process."""


def remaining() -> float | None:
    """Seconds left before the current call's deadline (None: no call under way)."""
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def abandoned() -> bool:
    """Whether the reader of this thread's calls has gone: no attempt is to start."""
    reader_gone = getattr(_local, "reader_gone", None)
    return reader_gone is not None and reader_gone.is_set()


@contextmanager
def _kept(name: str, value: Any) -> Iterator[None]:
    """`value` as this thread's `name` inside the block; the one before it restored after."""
    previous = getattr(_local, name, None)
    setattr(_local, name, value)
    try:
        yield
    finally:
        setattr(_local, name, previous)


def abandon_on(reader_gone: threading.Event) -> AbstractContextManager[None]:
    """Calls made inside start no attempt once `reader_gone` is set (by another thread)."""
    return _kept("reader_gone", reader_gone)


def request_budget(seconds: float) -> AbstractContextManager[None]:
    """All API calls made inside share `seconds` of waiting, in all."""
    return _kept("budget_end", time.monotonic() + seconds)


@contextmanager
def call_deadline(seconds: float) -> Iterator[None]:
    """The deadline of one call: `seconds` from now, or sooner if the request's budget ends.
    Holds one of the process's API_CONCURRENT_CALLS slots while it lasts."""
    if abandoned():
        raise Abandoned()
    end = time.monotonic() + seconds
    budget_end = getattr(_local, "budget_end", None)
    if budget_end is not None:
        end = min(end, budget_end)
    if end - time.monotonic() < MIN_CALL_SECONDS:
        raise OutOfTime()
    slots = _slots()
    if not slots.acquire(timeout=min(SLOT_WAIT_SECONDS, end - time.monotonic())):
        raise NoSlot()
    try:
        with _kept("deadline", end):
            yield
    finally:
        slots.release()


_semaphores_lock = threading.Lock()
_semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}


def _semaphore(name: str, size: int) -> threading.BoundedSemaphore:
    """The process's one semaphore of `name` and `size`: sizes come from settings, read
    each time, as tests change them."""
    with _semaphores_lock:
        if (name, size) not in _semaphores:
            _semaphores[name, size] = threading.BoundedSemaphore(size)
        return _semaphores[name, size]


def _slots() -> threading.BoundedSemaphore:
    return _semaphore("calls", settings.API_CONCURRENT_CALLS)


def export_slots() -> threading.BoundedSemaphore:
    """Fetches ahead that all exports of the process may have waiting on the API at
    once: half its API_CONCURRENT_CALLS, so however many exports run, pages keep the
    other half (and an export's own in-turn fetch finds a slot). Taken before the
    call's own slot, by the export's workers (pages_ahead.py)."""
    return _semaphore("exports", max(1, settings.API_CONCURRENT_CALLS // 2))


class RequestBudget:
    """Middleware: the API calls of one dashboard request wait API_REQUEST_BUDGET at most.

    A streamed export reads its later pages after the view has returned, on its own
    thread: each of those calls keeps its own deadline, and the download runs on.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with request_budget(settings.API_REQUEST_BUDGET):
            return self.get_response(request)


# --- reading an answer against the deadline ----------------------------------------


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read waiting no longer than the call's deadline."""

    def __init__(self, sock) -> None:
        super().__init__()
        self._sock = sock
        self._per_read = sock.gettimeout()  # the read timeout urllib3 just set

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = remaining()
        if left is not None:
            if left <= 0:
                raise TimeoutError("the Clients API call ran past its deadline")
            self._sock.settimeout(left if self._per_read is None else min(self._per_read, left))
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client's response asks of its socket: only `makefile`."""

    def __init__(self, sock) -> None:
        self._sock = sock

    def makefile(self, mode: str = "rb", *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs) -> None:
        super().__init__(_DeadlineSocket(sock), *args, **kwargs)


class _Deadlines:
    """Mixed into urllib3's connections: answers read by deadline, connects bounded by it."""

    response_class = _DeadlineResponse

    def _new_conn(self):
        left = remaining()
        if left is not None:
            if left <= 0:
                raise ConnectTimeoutError(self, "the Clients API call ran past its deadline")
            if not isinstance(self.timeout, int | float) or self.timeout > left:
                self.timeout = left
        return super()._new_conn()


class DeadlineHTTPConnection(_Deadlines, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_Deadlines, HTTPSConnection):
    pass


class _SentForReaders:
    """Mixed into urllib3's pools: no attempt once its reader has gone."""

    def urlopen(self, *args, **kwargs):
        # urllib3 makes every attempt through urlopen, a retry after its wait for
        # Retry-After or the backoff included; checked before a connection is taken, so
        # a kept-alive one stays in the pool. Nor urllib3 nor requests catches this.
        if abandoned():
            raise Abandoned()
        return super().urlopen(*args, **kwargs)


class DeadlineHTTPPool(_SentForReaders, HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSPool(_SentForReaders, HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


POOLS_BY_SCHEME = {"http": DeadlineHTTPPool, "https": DeadlineHTTPSPool}
