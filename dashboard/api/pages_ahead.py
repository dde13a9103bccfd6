"""Pages of a listing fetched several at once on worker threads, handed over strictly in
page order: for CSV exports (dashboard/exports/streaming.py) and the client's portfolio
(portfolio.py), which both read every page of a list.

Memory stays flat whatever the length of the list: besides the page being used, at most
`in_flight` pages exist (being fetched, or fetched and waiting).
"""

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Protocol

from .clients import check_page_follows, is_last_page
from .context import current_trace, serving_request
from .deadlines import abandon_on, export_slots
from .errors import Busy
from .records import Page
from .transport import release_session

FetchPage = Callable[[int], Page]


class Slots(Protocol):
    """What a worker takes before each fetch: a semaphore, or anything that acquires alike."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool: ...

    def release(self, n: int = 1) -> None: ...


class PagesInOrder(Iterator[Page]):
    """The pages after `first`, up to `in_flight` of them fetched at once, handed over
    strictly in page order.

    Page n + in_flight is asked for as soon as page n is handed over. Without totals
    from the API (a bare list), pages are asked for ahead all the same, and those past
    the first short page are dropped unread. A failure is raised when its page's turn
    comes, so every row before it is written first.

    `close()` cancels the pages no worker has started on and lets the workers go: a
    call already under way cannot be interrupted safely, so it ends within its own
    deadline (the transport's) and its page is dropped, but no retry of it is sent
    (deadlines.abandon_on): a download given up on asks the API for nothing more.

    Each worker takes one of `slots()` while it fetches: by default the exports' share
    of the process's API slots (deadlines.export_slots). `last_page`: no page after it
    is asked for, whatever the totals say (a reader that stops at a cap wastes no call).
    """

    def __init__(
        self,
        first: Page,
        fetch_page: FetchPage,
        *,
        in_flight: int,
        slots: Callable[[], Slots] = export_slots,
        thread_name: str = "export-pages",
        last_page: int | None = None,
    ) -> None:
        self._fetch_page = fetch_page
        self._in_flight = max(1, in_flight)
        self._slots = slots
        self._thread_name = thread_name
        self._last_page = last_page
        self._last_handed = first
        self._last_number = 1  # counted here: an API's `meta.page` may not echo the request
        self._next_number = 2
        # (number, its future) per page asked for, in page order.
        self._waiting: deque[tuple[int, Future]] = deque()
        self._jobs: queue.SimpleQueue[tuple[int, Future] | None] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._closed = threading.Event()  # set by close(): the workers' calls stop too
        # The request this export serves: the workers' calls carry its id and count towards it.
        self._trace = current_trace()
        if is_last_page(first) or self._at_last_page():
            self.close()
        else:
            self._ask_ahead()

    def _ask_ahead(self) -> None:
        # Beyond the page right after the last one handed over (which the sequential
        # reading would ask for too), only pages the latest totals say exist.
        known_last = self._last_handed.total_pages
        while (
            len(self._waiting) < self._in_flight
            and (self._last_page is None or self._next_number <= self._last_page)
            and (
                self._next_number == self._last_number + 1
                or known_last is None
                or self._next_number <= known_last
            )
        ):
            future: Future = Future()
            self._waiting.append((self._next_number, future))
            self._jobs.put((self._next_number, future))
            self._next_number += 1
            if len(self._workers) < len(self._waiting):
                worker = threading.Thread(
                    target=self._work,
                    name=f"{self._thread_name}-{len(self._workers) + 1}",
                    daemon=True,
                )
                self._workers.append(worker)
                worker.start()

    def _work(self) -> None:
        with serving_request(self._trace), abandon_on(self._closed):
            try:
                while (job := self._jobs.get()) is not None:
                    number, future = job
                    slots = self._slots()
                    if not self._wait_for(slots, future):
                        continue  # the export ended before this page's turn
                    try:
                        if not future.set_running_or_notify_cancel():
                            continue
                        try:
                            future.set_result(self._fetch_page(number))
                        except BaseException as error:  # raised to the writer, in order
                            future.set_exception(error)
                    finally:
                        slots.release()
            finally:
                release_session()

    @staticmethod
    def _wait_for(slots: Slots, future: Future) -> bool:
        """Takes one of the slots, unless the page is cancelled meanwhile."""
        while not slots.acquire(timeout=0.1):
            if future.cancelled():
                return False
        return True

    def __next__(self) -> Page:
        if self._closed.is_set():
            raise StopIteration
        number, future = self._waiting.popleft()
        try:
            try:
                page = future.result()
            except Busy:
                # Fetched ahead, it found every API slot of the process taken (pages,
                # other exports): it is fetched now, in its turn, as a sequential export
                # would, so a busy process slows an export down instead of ending it.
                page = self._fetch_page(number)
            if self._list_changed(page):
                page = self._start_again_from(number)
            check_page_follows(self._last_handed, page)
        except BaseException:
            self.close()  # the export ends here: nothing more is asked for
            raise
        self._last_handed, self._last_number = page, self._last_number + 1
        if is_last_page(page) or self._at_last_page():
            self.close()  # pages asked for past the end are not wanted
        else:
            self._ask_ahead()
            # Let a worker send the request just queued before the writer holds the GIL
            # for a whole page.
            time.sleep(0)
        return page

    def _at_last_page(self) -> bool:
        return self._last_page is not None and self._last_number >= self._last_page

    def _list_changed(self, page: Page) -> bool:
        # A client added or removed while the pages are read shifts every later page
        # by a row. Read one after another, the shift only repeats a row, which the
        # writer skips; read out of order, page n+1 may be read after the change and
        # n+2 before it, and the row pushed from one to the other is in neither.
        before, now = self._last_handed.total, page.total
        return before is not None and now is not None and before != now

    def _start_again_from(self, number: int) -> Page:
        """Drops the pages asked for ahead, which may predate the change, and reads
        this one again in turn; the window then starts afresh after it."""
        for _number, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        self._next_number = number + 1
        return self._fetch_page(number)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for _number, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        for _worker in self._workers:
            self._jobs.put(None)
