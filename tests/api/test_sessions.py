"""The transport's sessions: one per thread, and a finished thread's session (with its open
connections) handed to the next thread instead of a new one for every page fetcher."""

import threading

import pytest
import requests

from dashboard.api import transport


@pytest.fixture(autouse=True)
def no_idle_sessions():
    """Each test starts, and leaves, with no session waiting."""
    empty_idle_pool()
    yield
    empty_idle_pool()


@pytest.fixture
def closed(monkeypatch, no_idle_sessions) -> list:
    """The sessions closed while the test runs."""
    found = []
    close = requests.Session.close

    def recording(session):
        found.append(session)
        close(session)

    monkeypatch.setattr(requests.Session, "close", recording)
    return found


def on_a_thread(work):
    """`work()` on a new thread that releases its session when done, as fetchers do."""
    found = []

    def run():
        try:
            found.append(work())
        finally:
            transport.release_session()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found[0]


def empty_idle_pool():
    while (session := transport._idle_session()) is not None:
        session.close()


def test_the_next_thread_gets_the_session_a_finished_thread_left():
    first = on_a_thread(transport.session)
    assert on_a_thread(transport.session) is first


def sessions_held_at_once(count: int) -> list:
    """The sessions of `count` threads that each hold theirs until all have one, then end."""
    all_have_one = threading.Barrier(count)

    def hold():
        mine = transport.session()
        all_have_one.wait(timeout=10)
        return mine

    found = []
    threads = [
        threading.Thread(target=lambda: found.append(on_a_thread(hold))) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_threads_at_work_at_once_never_share_a_session():
    found = sessions_held_at_once(2)
    assert len(found) == 2 and found[0] is not found[1]


def test_sessions_of_older_settings_are_not_handed_on(settings, closed):
    before = on_a_thread(transport.session)
    settings.API_BASE_URL = "http://127.0.0.1:9"  # any API_ setting: new sessions
    after = on_a_thread(transport.session)
    assert after is not before
    assert before in closed


def test_at_most_a_few_sessions_wait(monkeypatch, closed):
    monkeypatch.setattr(transport, "IDLE_SESSIONS", 2)
    found = sessions_held_at_once(3)
    assert len(transport._idle) == 2
    assert len(closed) == 1 and closed[0] in found
    assert {id(session) for _, session in transport._idle} | {id(closed[0])} == {
        id(session) for session in found
    }
