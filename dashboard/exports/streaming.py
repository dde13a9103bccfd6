"""Streaming a CSV export: the API read one page ahead on a thread, rows written page by page.

Memory stays flat whatever the size of the book: at most the page being
written and the page being fetched exist at once.
"""

import csv
import io
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, TypeVar

from dashboard import api

from .columns import Columns

T = TypeVar("T")

BOM = "\ufeff"  # lets Excel read UTF-8 (Ọlá, Adébáyọ̀) correctly


class ExportAborted(Exception):
    """Raised mid-stream so the server aborts the response: the browser then reports a
    failed download instead of saving a file that silently lacks rows."""


class ReadAhead(Iterator[T]):
    """Iterates `pages` on a background thread, exactly one page ahead of the consumer."""

    def __init__(self, pages: Iterator[T]) -> None:
        self._pages = pages
        self._ready: queue.SimpleQueue = queue.SimpleQueue()
        self._slot = threading.Semaphore(1)  # taken while a fetched page waits unread
        self._stopped = threading.Event()
        # The request this export serves: the calls made on the thread carry its id.
        self._trace = api.current_trace()
        self._thread = threading.Thread(target=self._fetch, name="export-read-ahead", daemon=True)
        self._thread.start()

    def _fetch(self) -> None:
        with api.serving_request(self._trace):
            self._fetch_pages()

    def _fetch_pages(self) -> None:
        try:
            while self._slot.acquire() and not self._stopped.is_set():
                try:
                    self._ready.put(("page", next(self._pages)))
                except StopIteration:
                    self._ready.put(("done", None))
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._ready.put(("error", error))
        finally:
            api.release_session()

    def __next__(self) -> T:
        kind, value = self._ready.get()
        if kind == "page":
            self._slot.release()  # start fetching the next page while this one is written
            time.sleep(0)  # and let that thread send its request before we hold the GIL again
            return value
        if kind == "error":
            raise value
        raise StopIteration

    def close(self) -> None:
        self._stopped.set()
        self._slot.release()


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
    rest: Iterator[api.Page],
    columns: Columns,
    *,
    finished: Callable[[int, BaseException | None], None],
) -> Iterator[bytes]:
    """The file, chunk by chunk; `finished(rows, error)` is called exactly once at the end.

    The read-ahead thread starts only once the server starts sending, so a response
    that is never sent leaves no thread behind.
    """
    rows = 0
    previous: set[str] = set()
    ahead = ReadAhead(rest)
    try:
        yield header_bytes(columns)
        for page in chain([first], ahead):
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
        ahead.close()
    finished(rows, None)
