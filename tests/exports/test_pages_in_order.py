"""Pages fetched several at once, written strictly in order: a fake page fetcher whose
fetches the test holds and releases, so every interleaving here is forced, not hoped for."""

import csv
import io
import threading
import time
from dataclasses import dataclass

import pytest

from dashboard import api
from dashboard.api import deadlines
from dashboard.api.records import ParsedOnRead
from dashboard.exports.columns import Columns, text
from dashboard.exports.streaming import ExportAborted, PagesInOrder, csv_stream

ROWS = 2  # per page
COLUMNS = Columns(("row_id", "id", text), ("again", "id", text))  # one would be a tuple
WAIT = 5.0  # seconds: only reached when something is wrong


@dataclass(frozen=True)
class Row:
    id: str


class FakeListing:
    """`pages` full pages, then empty ones. A fetch of page n waits for `gates[n]` if
    there is one; page `fail_at` raises as the API failing after its retries would."""

    def __init__(
        self,
        pages: int,
        *,
        gates: dict[int, threading.Event] | None = None,
        fail_at: int | None = None,
        totals: bool = True,
        short_last: bool = False,
        busy_ahead: frozenset[int] = frozenset(),
    ) -> None:
        self.pages, self.gates, self.fail_at = pages, gates or {}, fail_at
        self.busy_ahead = busy_ahead  # pages that find no free API slot when fetched ahead
        self.totals, self.short_last = totals, short_last
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.started: list[int] = []
        self.finished: list[int] = []
        self.traces: list[api.RequestTrace | None] = []
        self.thread_names: set[str] = set()
        self.reader_gone: dict[int, bool] = {}  # per page: whether its calls were abandoned
        self.listeners: list = []  # called with each finished page number, under the lock

    def raw(self, number: int) -> list[dict]:
        if number > self.pages:
            return []
        count = 1 if self.short_last and number == self.pages else ROWS
        return [{"id": f"p{number}r{row}"} for row in range(count)]

    def page(self, number: int) -> api.Page:
        with self.lock:
            self.started.append(number)
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.traces.append(api.current_trace())
            self.thread_names.add(threading.current_thread().name)
        try:
            gate = self.gates.get(number)
            if gate is not None:
                assert gate.wait(WAIT), f"page {number} was never released"
            self.reader_gone[number] = deadlines.abandoned()  # as the transport would ask
            if number == self.fail_at:
                raise api.Unavailable(f"page {number} failed")
            if number in self.busy_ahead and threading.current_thread().name.startswith(
                "export-pages"
            ):
                raise api.Busy("every slot is taken")
            return api.Page(
                items=ParsedOnRead(self.raw(number), lambda item: Row(item["id"])),
                page=number,
                per_page=ROWS,
                total=self.pages * ROWS if self.totals else None,
                total_pages=self.pages if self.totals else None,
            )
        finally:
            with self.lock:
                self.active -= 1
                self.finished.append(number)
                for listener in self.listeners:
                    listener(number)

    def ids(self, *numbers: int) -> list[str]:
        return [item["id"] for number in numbers for item in self.raw(number)]


class Finished:
    """The export's `finished` callback, remembering each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, BaseException | None]] = []

    def __call__(self, rows: int, error: BaseException | None) -> None:
        self.calls.append((rows, error))


def export_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("export-pages")]


def wait_until(condition, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.002)


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    wait_until(lambda: export_threads() == [])  # an earlier export's workers, leaving
    yield
    wait_until(lambda: export_threads() == [])


def stream(listing: FakeListing, *, in_flight: int = 3, finished=None):
    return csv_stream(
        listing.page(1),
        listing.page,
        COLUMNS,
        in_flight=in_flight,
        finished=finished or Finished(),
    )


def row_ids(body: bytes) -> list[str]:
    text_ = body.decode("utf-8").removeprefix("\ufeff")
    return [row["row_id"] for row in csv.DictReader(io.StringIO(text_))]


def test_pages_answered_out_of_order_are_written_in_order():
    three_and_four_done = threading.Event()
    listing = FakeListing(8, gates={2: three_and_four_done})
    listing.listeners.append(
        lambda number: {3, 4} <= set(listing.finished) and three_and_four_done.set()
    )
    finished = Finished()
    body = b"".join(stream(listing, in_flight=3, finished=finished))
    assert row_ids(body) == listing.ids(*range(1, 9))  # complete, in page order
    done = listing.finished
    assert done.index(3) < done.index(2) and done.index(4) < done.index(2)
    assert sorted(listing.started) == list(range(1, 9))  # each page once
    assert finished.calls == [(8 * ROWS, None)]


@pytest.mark.parametrize("in_flight", [1, 3, 8])
def test_at_most_in_flight_pages_are_fetched_at_once(in_flight, settings):
    settings.API_CONCURRENT_CALLS = 16  # the exports' share, 8, is no limit here
    pages = 12
    gates = {number: threading.Event() for number in range(2, pages + 1)}
    listing = FakeListing(pages, gates=gates)
    following = PagesInOrder(listing.page(1), listing.page, in_flight=in_flight)
    try:
        for number in range(2, pages + 1):
            # Page n + in_flight is asked for once page n is handed over, not before.
            asked = min(number - 1 + in_flight, pages)
            wait_until(lambda asked=asked: len(listing.started) == asked)
            assert sorted(listing.started) == list(range(1, asked + 1))
            assert listing.active <= in_flight
            gates[number].set()
            assert next(following).page == number
        with pytest.raises(StopIteration):
            next(following)
    finally:
        following.close()
    assert listing.peak == min(in_flight, pages - 1)
    assert sorted(listing.started) == list(range(1, pages + 1))


def test_a_failure_mid_stream_writes_the_rows_before_and_aborts():
    hold = threading.Event()  # pages after the failing one stay in flight
    listing = FakeListing(20, fail_at=3, gates={n: hold for n in range(4, 21)})
    finished = Finished()
    chunks: list[bytes] = []
    with pytest.raises(ExportAborted, match="page 3 failed"):
        chunks.extend(stream(listing, in_flight=3, finished=finished))  # keeps what came
    body = b"".join(chunks)
    assert row_ids(body.rsplit(b"EXPORT INCOMPLETE", 1)[0]) == listing.ids(1, 2)
    assert chunks[-1] == b"EXPORT INCOMPLETE: stopped after 4 rows; do not use this file.\r\n"
    [(rows, error)] = finished.calls
    assert rows == 4 and isinstance(error, api.Unavailable)

    hold.set()  # the fetches under way end; nothing new starts
    wait_until(lambda: export_threads() == [])
    assert listing.active == 0
    # Pages 2-4, and perhaps 5: asked for when 2 was handed over, cancelled unless a
    # worker had already taken it.
    assert {1, 2, 3, 4} <= set(listing.started) <= {1, 2, 3, 4, 5}


def test_a_page_ahead_that_finds_every_api_slot_taken_is_fetched_in_its_turn():
    listing = FakeListing(6, busy_ahead=frozenset({3, 5}))
    finished = Finished()
    body = b"".join(stream(listing, in_flight=3, finished=finished))
    assert row_ids(body) == listing.ids(*range(1, 7))
    assert finished.calls == [(6 * ROWS, None)]
    assert sorted(listing.started) == [1, 2, 3, 3, 4, 5, 5, 6]  # 3 and 5 once more


def test_all_exports_together_keep_to_half_the_api_slots(settings):
    settings.API_CONCURRENT_CALLS = 4  # two for the exports' fetches ahead
    hold = threading.Event()
    lock = threading.Lock()
    counts = {"active": 0, "peak": 0}
    listings = [FakeListing(6), FakeListing(6)]

    def held(listing):
        def fetch(number):
            with lock:
                counts["active"] += 1
                counts["peak"] = max(counts["peak"], counts["active"])
            try:
                assert hold.wait(WAIT)
                return listing.page(number)
            finally:
                with lock:
                    counts["active"] -= 1

        return fetch

    exports = [
        csv_stream(listing.page(1), held(listing), COLUMNS, in_flight=3, finished=Finished())
        for listing in listings
    ]
    bodies = [next(export) + next(export) for export in exports]  # header, page 1
    # Six pages asked for ahead, six workers started: two may wait on the API.
    wait_until(lambda: len(export_threads()) == 6 and counts["active"] == 2)
    assert counts["peak"] == 2
    hold.set()
    for index, export in enumerate(exports):
        bodies[index] += b"".join(export)
    for listing, body in zip(listings, bodies, strict=True):
        assert row_ids(body) == listing.ids(*range(1, 7))
    assert counts["peak"] == 2


class ShiftingListing:
    """Clients by position, `ROWS` a page, with totals; `insert()` adds one at the
    front, shifting every later page by a row, as a new client does."""

    def __init__(self, count: int) -> None:
        self.ids = [f"c{n}" for n in range(count)]
        self.lock = threading.Lock()
        self.finished: list[int] = []
        self.listeners: list = []
        self.gates: dict[int, threading.Event] = {}

    def insert(self) -> None:
        self.ids.insert(0, "new")

    def page(self, number: int) -> api.Page:
        gate = self.gates.get(number)
        if gate is not None:
            assert gate.wait(WAIT), f"page {number} was never released"
            del self.gates[number]  # a second reading of it is not held
        with self.lock:
            rows = self.ids[(number - 1) * ROWS : number * ROWS]
            total = len(self.ids)
        result = api.Page(
            items=ParsedOnRead([{"id": row} for row in rows], lambda item: Row(item["id"])),
            page=number,
            per_page=ROWS,
            total=total,
            total_pages=-(-total // ROWS),
        )
        with self.lock:
            self.finished.append(number)
            for listener in self.listeners:
                listener(number)
        return result


def test_a_client_added_while_pages_come_out_of_order_loses_no_row():
    listing = ShiftingListing(8)
    original = list(listing.ids)
    three_and_four_read = threading.Event()
    listing.gates[2] = three_and_four_read

    def after(number):
        if {3, 4} <= set(listing.finished) and not three_and_four_read.is_set():
            listing.insert()  # after pages 3 and 4 were read, before page 2 is
            three_and_four_read.set()

    listing.listeners.append(after)
    written = row_ids(b"".join(stream(listing, in_flight=3)))
    assert set(original) <= set(written)  # nothing pushed between pages is lost
    assert len(written) == len(set(written))  # nor written twice


def test_closing_the_download_early_stops_fetching():
    hold = threading.Event()
    listing = FakeListing(50, gates={n: hold for n in range(3, 51)})
    finished = Finished()
    download = stream(listing, in_flight=3, finished=finished)
    assert row_ids(b"".join(next(download) for _ in range(3))) == listing.ids(1, 2)
    download.close()  # the browser went away
    [(rows, error)] = finished.calls
    assert rows == ROWS  # page 2's rows were never asked for by the server
    assert isinstance(error, ExportAborted)

    hold.set()
    wait_until(lambda: export_threads() == [])
    # Pages 3-4 and perhaps 5 (asked for when 2 was handed over, cancelled if no worker
    # had taken it yet), and not a page more.
    assert {1, 2, 3, 4} <= set(listing.started) <= {1, 2, 3, 4, 5}
    # The calls under way when the download ended make no retry (and no further attempt).
    assert {listing.reader_gone[number] for number in (3, 4)} == {True}
    assert not listing.reader_gone[2]


def test_the_workers_carry_the_requests_trace():
    trace = api.RequestTrace("export-trace-0001")
    listing = FakeListing(6)
    with api.serving_request(trace):
        body = b"".join(stream(listing, in_flight=3))
    assert row_ids(body) == listing.ids(*range(1, 7))
    assert listing.traces == [trace] * 6  # pages 2-6 fetched on the workers
    assert {name for name in listing.thread_names if name != "MainThread"} <= {
        "export-pages-1",
        "export-pages-2",
        "export-pages-3",
    }


def test_without_totals_the_first_short_page_is_the_last():
    listing = FakeListing(6, totals=False, short_last=True)
    finished = Finished()
    body = b"".join(stream(listing, in_flight=3, finished=finished))
    assert row_ids(body) == listing.ids(*range(1, 7))
    assert finished.calls == [(5 * ROWS + 1, None)]
    wait_until(lambda: export_threads() == [])
    # Asked for ahead without knowing the end: at most a window past the last page.
    assert max(listing.started) <= 6 + 2


def test_a_single_page_starts_no_thread():
    listing = FakeListing(1)
    first = listing.page(1)
    following = PagesInOrder(first, listing.page, in_flight=3)
    assert list(following) == []
    assert export_threads() == [] and listing.started == [1]


def test_an_api_that_ignores_the_page_number_is_stopped():
    listing = FakeListing(1, totals=False)
    same_page = listing.page(1)
    finished = Finished()
    with pytest.raises(ExportAborted):
        b"".join(
            csv_stream(same_page, lambda _: same_page, COLUMNS, in_flight=3, finished=finished)
        )
    [(rows, error)] = finished.calls
    assert rows == ROWS and isinstance(error, api.BadResponse)
    assert "same page twice" in str(error.message)
