"""Every loan and every deposit of one client, read a few pages at a time: what the
client's portfolio summary is computed from (dashboard/clients/portfolio.py).

The contract pages loans and deposits and has no totals endpoint, so a summary costs
ceil(loans / 100) + ceil(deposits / 100) calls: the largest page size, page 1 of both
lists asked for at once, then the pages their totals say exist, never more. At most
SUMMARY_PAGES_IN_FLIGHT of those calls wait on the API at once (both lists together),
and at most SUMMARY_MAX_PAGES pages of each list are read: past that, the portfolio says
it is partial, with the counts read, so one client with thousands of loans never holds a
worker for long.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any, TypeVar

from django.conf import settings

from .clients import (
    MAX_PER_PAGE,
    Listing,
    client_deposits_listing,
    client_loans_listing,
    is_last_page,
)
from .context import current_trace, serving_request
from .pages_ahead import PagesInOrder
from .records import Deposit, Loan, Page
from .transport import release_session

T = TypeVar("T")

# What the API's status values mean for the figures. The contract names `pending`,
# `active`, `overdue`, `closed`, `written_off` for loans and `pending`, `successful`,
# `failed`, `reversed` for deposits; the others are spellings real lending APIs use.
LOAN_IN_ARREARS_STATUSES = frozenset({"overdue", "in_arrears", "arrears", "written_off"})
LOAN_RUNNING_STATUSES = frozenset({"active", "overdue", "in_arrears", "arrears"})
LOAN_DISBURSED_STATUSES = LOAN_RUNNING_STATUSES | {"closed", "written_off"}
DEPOSIT_SETTLED_STATUSES = frozenset({"successful", "success", "completed"})
# Some APIs mark a reversal on the deposit itself (the sandbox: status `reversed`, the
# amount as it came in), others by an entry of negative amount: both are reversals.
DEPOSIT_REVERSED_STATUSES = frozenset({"reversed"})


@dataclass(frozen=True, slots=True)
class Portfolio:
    loans: tuple[Loan, ...]
    deposits: tuple[Deposit, ...]
    # What the API says the client has (None: a bare list, without totals).
    loans_total: int | None
    deposits_total: int | None
    partial: bool  # SUMMARY_MAX_PAGES stopped the reading of either list
    as_of: datetime  # when the reading started

    @property
    def loans_read(self) -> int:
        return len(self.loans)

    @property
    def deposits_read(self) -> int:
        return len(self.deposits)


def client_portfolio(
    *, client_id: str, max_pages: int | None = None, in_flight: int | None = None
) -> Portfolio:
    # GET /v1/clients/{clientId}/loans and /deposits?page={page}&perPage=100, every page
    max_pages = max(1, max_pages or settings.SUMMARY_MAX_PAGES)
    in_flight = max(1, in_flight or settings.SUMMARY_PAGES_IN_FLIGHT)
    as_of = datetime.now(UTC)
    # One allowance for both lists: every call this reading makes takes one first.
    slots = threading.BoundedSemaphore(in_flight)
    loans = client_loans_listing(client_id=client_id, per_page=MAX_PER_PAGE)
    deposits = client_deposits_listing(client_id=client_id, per_page=MAX_PER_PAGE)

    first_deposits = _on_a_thread(lambda: _taking(slots, lambda: deposits.page(1)))
    first_loans = _taking(slots, lambda: loans.page(1))
    with ExitStack() as closing:
        # Both lists' later pages are asked for now, before either is read through.
        loan_pages = _following(first_loans, loans, slots, in_flight, max_pages)
        closing.callback(loan_pages.close)
        deposit_first = first_deposits.result()
        deposit_pages = _following(deposit_first, deposits, slots, in_flight, max_pages)
        closing.callback(deposit_pages.close)
        loan_items, loans_partial, loans_total = _read_through(first_loans, loan_pages)
        deposit_items, deposits_partial, deposits_total = _read_through(
            deposit_first, deposit_pages
        )
    return Portfolio(
        loans=loan_items,
        deposits=deposit_items,
        loans_total=loans_total,
        deposits_total=deposits_total,
        partial=loans_partial or deposits_partial,
        as_of=as_of,
    )


def _taking(slots: threading.BoundedSemaphore, call: Callable[[], T]) -> T:
    with slots:
        return call()


def _on_a_thread(call: Callable[[], T]) -> "Future[T]":
    """`call()` on a thread of its own, its API calls counted for this request."""
    future: Future[T] = Future()
    trace = current_trace()

    def run() -> None:
        with serving_request(trace):
            try:
                future.set_result(call())
            except BaseException as error:  # raised to the caller by result()
                future.set_exception(error)
            finally:
                release_session()

    threading.Thread(target=run, name="portfolio-first-page", daemon=True).start()
    return future


def _following(
    first: Page[T],
    listing: Listing[T],
    slots: threading.BoundedSemaphore,
    in_flight: int,
    max_pages: int,
) -> PagesInOrder:
    # Without totals (a bare list), pages asked for ahead may lie past the end: read one
    # after another instead, never a call more than the list needs.
    return PagesInOrder(
        first,
        listing.page,
        in_flight=in_flight if first.total_pages is not None else 1,
        slots=lambda: slots,
        thread_name="portfolio-pages",
        last_page=max_pages,
    )


def _read_through(first: Page[Any], following: PagesInOrder) -> tuple[tuple, bool, int | None]:
    """The records of every page (parsed here, once each: a record moved to the next
    page by a write meanwhile is not counted twice), whether the cap stopped the
    reading, and the API's latest total."""
    records: list[Any] = []
    seen: set[str] = set()
    last = first
    for page in chain([first], following):
        for record in page.items:
            if record.id not in seen:
                seen.add(record.id)
                records.append(record)
        last = page
    return tuple(records), not is_last_page(last), last.total
