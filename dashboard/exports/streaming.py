"""Streaming a CSV export: several pages fetched at once on worker threads, rows written
strictly in page order.

Memory stays flat whatever the size of the book: besides the page being written,
at most EXPORT_PAGES_IN_FLIGHT pages exist (being fetched, or fetched and waiting).
"""

import csv
import io
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from itertools import chain
from typing import Any

from dashboard import api

from .columns import Columns

BOM = "\ufeff"  # lets Excel read UTF-8 (Ọlá, Adébáyọ̀) correctly

FetchPage = Callable[[int], api.Page]


class ExportAborted(Exception):
    """Raised mid-stream so the server aborts the response: the browser then reports a
    failed download instead of saving a file that silently lacks rows."""


class PagesInOrder(Iterator[api.Page]):
    """The pages after `first`, up to `in_flight` of them fetched at once, handed over
    strictly in page order.

    Page n + in_flight is asked for as soon as page n is handed over. Without totals
    from the API (a bare list), pages are asked for ahead all the same, and those past
    the first short page are dropped unread. A failure is raised when its page's turn
    comes, so every row before it is written first.

    `close()` cancels the pages no worker has started on and lets the workers go: a
    call already under way cannot be interrupted safely, so it ends within its own
    deadline (the transport's) and its page is dropped.
    """

    def __init__(self, first: api.Page, fetch_page: FetchPage, *, in_flight: int) -> None:
        self._fetch_page = fetch_page
        self._in_flight = max(1, in_flight)
        self._last_handed = first
        self._last_number = 1  # counted here: an API's `meta.page` may not echo the request
        self._next_number = 2
        # (number, its future) per page asked for, in page order.
        self._waiting: deque[tuple[int, Future]] = deque()
        self._jobs: queue.SimpleQueue[tuple[int, Future] | None] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._closed = False
        # The request this export serves: the workers' calls carry its id and count towards it.
        self._trace = api.current_trace()
        if api.is_last_page(first):
            self.close()
        else:
            self._ask_ahead()

    def _ask_ahead(self) -> None:
        # Beyond the page right after the last one handed over (which the sequential
        # reading would ask for too), only pages the latest totals say exist.
        known_last = self._last_handed.total_pages
        while len(self._waiting) < self._in_flight and (
            self._next_number == self._last_number + 1
            or known_last is None
            or self._next_number <= known_last
        ):
            future: Future = Future()
            self._waiting.append((self._next_number, future))
            self._jobs.put((self._next_number, future))
            self._next_number += 1
            if len(self._workers) < len(self._waiting):
                worker = threading.Thread(
                    target=self._work, name=f"export-pages-{len(self._workers) + 1}", daemon=True
                )
                self._workers.append(worker)
                worker.start()

    def _work(self) -> None:
        with api.serving_request(self._trace):
            try:
                while (job := self._jobs.get()) is not None:
                    number, future = job
                    slots = api.export_slots()
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
                api.release_session()

    @staticmethod
    def _wait_for(slots: threading.BoundedSemaphore, future: Future) -> bool:
        """Takes one of the exports' slots, unless the page is cancelled meanwhile."""
        while not slots.acquire(timeout=0.1):
            if future.cancelled():
                return False
        return True

    def __next__(self) -> api.Page:
        if self._closed:
            raise StopIteration
        number, future = self._waiting.popleft()
        try:
            try:
                page = future.result()
            except api.Busy:
                # Fetched ahead, it found every API slot of the process taken (pages,
                # other exports): it is fetched now, in its turn, as a sequential export
                # would, so a busy process slows an export down instead of ending it.
                page = self._fetch_page(number)
            if self._list_changed(page):
                page = self._start_again_from(number)
            api.check_page_follows(self._last_handed, page)
        except BaseException:
            self.close()  # the export ends here: nothing more is asked for
            raise
        self._last_handed, self._last_number = page, self._last_number + 1
        if api.is_last_page(page):
            self.close()  # pages asked for past the end are not wanted
        else:
            self._ask_ahead()
            # Let a worker send the request just queued before the writer holds the GIL
            # for a whole page.
            time.sleep(0)
        return page

    def _list_changed(self, page: api.Page) -> bool:
        # A client added or removed while the pages are read shifts every later page
        # by a row. Read one after another, the shift only repeats a row, which the
        # writer skips; read out of order, page n+1 may be read after the change and
        # n+2 before it, and the row pushed from one to the other is in neither.
        before, now = self._last_handed.total, page.total
        return before is not None and now is not None and before != now

    def _start_again_from(self, number: int) -> api.Page:
        """Drops the pages asked for ahead, which may predate the change, and reads
        this one again in turn; the window then starts afresh after it."""
        for _number, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        self._next_number = number + 1
        return self._fetch_page(number)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for _number, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        for _worker in self._workers:
            self._jobs.put(None)


def rows_bytes(items: Iterable[Any], columns: Columns) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(map(columns.row, items))
    return buffer.getvalue().encode()


def header_bytes(columns: Columns) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(columns.names)
    return (BOM + buffer.getvalue()).encode()


def csv_stream(
    first: api.Page,
    fetch_page: FetchPage | None,
    columns: Columns,
    *,
    in_flight: int,
    finished: Callable[[int, BaseException | None], None],
) -> Iterator[bytes]:
    """The file, chunk by chunk; `finished(rows, error)` is called exactly once at the end.

    `fetch_page(n)` reads page n of the list `first` began (None: `first` is all of it).
    The workers start only once the server starts sending, so a response that is
    never sent leaves no thread behind.
    """
    rows = 0
    previous: set[str] = set()
    following = PagesInOrder(first, fetch_page, in_flight=in_flight) if fetch_page else None
    try:
        yield header_bytes(columns)
        for page in chain([first], following or ()):
            # A client added while we page shifts the list by one: its neighbour would
            # appear twice. Rows already written on the previous page are skipped.
            items = [item for item in page.items if item.id not in previous]
            previous = {item.id for item in page.items}
            yield rows_bytes(items, columns)
            rows += len(items)  # counted once handed to the server
    except Exception as error:  # the API failing after retries, or anything unforeseen
        finished(rows, error)
        # For servers that cannot abort a response, the file itself says so on its last line.
        yield f"EXPORT INCOMPLETE: stopped after {rows} rows; do not use this file.\r\n".encode()
        raise ExportAborted(getattr(error, "message", "The export failed.")) from error
    except GeneratorExit:
        finished(rows, ExportAborted("The download was cancelled."))
        raise
    finally:
        if following is not None:
            following.close()
    finished(rows, None)
