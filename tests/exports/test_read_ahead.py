"""The read-ahead: one page fetched while the previous one is written, never more."""

import threading
import time

import pytest

from dashboard.exports.streaming import ReadAhead


class Pages:
    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at, self.fetched = count, fail_at, 0
        self.thread_names: set[str] = set()

    def __iter__(self):
        for number in range(1, self.count + 1):
            if number == self.fail_at:
                raise RuntimeError(f"page {number} failed")
            self.fetched = number
            self.thread_names.add(threading.current_thread().name)
            yield number


def wait_until(condition, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_it_stays_exactly_one_page_ahead():
    source = Pages(5)
    ahead = ReadAhead(iter(source))
    wait_until(lambda: source.fetched == 1)
    time.sleep(0.1)
    assert source.fetched == 1  # nothing more until page 1 is taken
    assert next(ahead) == 1
    wait_until(lambda: source.fetched == 2)  # fetched while page 1 is being written
    time.sleep(0.1)
    assert source.fetched == 2
    assert list(ahead) == [2, 3, 4, 5]
    assert source.thread_names == {"export-read-ahead"}


def test_a_failure_reaches_the_consumer_in_order():
    ahead = ReadAhead(iter(Pages(5, fail_at=3)))
    assert [next(ahead), next(ahead)] == [1, 2]
    with pytest.raises(RuntimeError, match="page 3 failed"):
        next(ahead)


def test_closing_stops_the_thread():
    source = Pages(100)
    ahead = ReadAhead(iter(source))
    next(ahead)
    ahead.close()
    ahead._thread.join(timeout=2)
    assert not ahead._thread.is_alive()
    assert source.fetched <= 3
