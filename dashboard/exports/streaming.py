"""Streaming a CSV export: several pages fetched at once on worker threads, rows written
strictly in page order (the fetching: dashboard/api/pages_ahead.py).

Memory stays flat whatever the size of the book: besides the page being written,
at most EXPORT_PAGES_IN_FLIGHT pages exist (being fetched, or fetched and waiting).
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from dashboard import api
from dashboard.api.pages_ahead import FetchPage, PagesInOrder

from .columns import Columns

BOM = "\ufeff"  # lets Excel read UTF-8 (Ọlá, Adébáyọ̀) correctly


class ExportAborted(Exception):
    """Raised mid-stream so the server aborts the response: the browser then reports a
    failed download instead of saving a file that silently lacks rows."""


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
