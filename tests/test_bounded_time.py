"""Bounded time per request, over a real gunicorn against an API that drips its answers.

requests' read timeout is per socket read: an API sending one byte a second never
trips it. The dashboard's own deadline must end such calls, and pages that do not
need the API must stay fast while others are stuck waiting on it.
"""

import threading
import time

import pytest
import requests

from tests.canary import CANARY
from tests.processes import start_dashboard
from tests.upstreams import DripServer

DEADLINE = 3.0


@pytest.fixture(scope="module")
def dripping_deployment(tmp_path_factory):
    drip = DripServer(interval=0.2, max_seconds=20)
    dashboard = start_dashboard(
        tmp_path_factory.mktemp("dashboard"),
        api_url=drip.url,
        api_key=CANARY,
        staff={"vera": "Viewer"},
        env={"API_TIMEOUT": "1,1", "API_CALL_DEADLINE": str(DEADLINE), "API_ATTEMPTS": "2"},
        threads=8,
    )
    yield dashboard, drip
    dashboard.stop()
    drip.close()


def test_pages_without_the_api_answer_while_four_requests_are_stuck_on_it(
    dripping_deployment,
):
    dashboard, drip = dripping_deployment
    session = dashboard.signed_in("vera", "a-long-test-password")
    results: list[tuple[int, float, str]] = []

    def stuck_page() -> None:
        own = requests.Session()
        own.cookies.update(session.cookies)
        started = time.monotonic()
        response = own.get(f"{dashboard.url}/clients/", timeout=60)
        results.append((response.status_code, time.monotonic() - started, response.text))

    before = drip.requests
    threads = [threading.Thread(target=stuck_page) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while drip.requests < before + 4:  # all four are now waiting on the dripping API
        assert time.monotonic() < deadline, "the stuck requests never reached the API"
        time.sleep(0.02)

    started = time.monotonic()
    login = requests.get(f"{dashboard.url}/accounts/login/", timeout=5)
    audit_free = session.get(f"{dashboard.url}/accounts/password/", timeout=5)
    assert login.status_code == 200 and audit_free.status_code == 200
    assert time.monotonic() - started < 1.0

    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    for status, seconds, text in results:
        assert status == 503  # the region's retryable message, not a hang or a 500
        assert "did not answer in time" in text
        assert seconds < DEADLINE + 2  # not 36 s of dripping


def test_the_readme_states_the_worst_case():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "API_CALL_DEADLINE" in readme and "API_REQUEST_BUDGET" in readme


def test_a_slow_api_never_takes_every_thread(tmp_path):
    """4 threads, at most 2 API calls at once: 4 requests stuck on the API leave room."""
    drip = DripServer(interval=0.2, max_seconds=20)
    dashboard = start_dashboard(
        tmp_path,
        api_url=drip.url,
        api_key=CANARY,
        staff={"vera": "Viewer"},
        env={
            "API_TIMEOUT": "1,1",
            "API_CALL_DEADLINE": str(DEADLINE),
            "API_CONCURRENT_CALLS": "2",
        },
        threads=4,
    )
    try:
        session = dashboard.signed_in("vera", "a-long-test-password")
        statuses: list[int] = []

        def stuck_page() -> None:
            own = requests.Session()
            own.cookies.update(session.cookies)
            statuses.append(own.get(f"{dashboard.url}/clients/", timeout=60).status_code)

        threads = [threading.Thread(target=stuck_page) for _ in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while drip.requests < 2:  # two hold the process's two API slots
            assert time.monotonic() < deadline, "the stuck requests never reached the API"
            time.sleep(0.02)
        started = time.monotonic()
        assert requests.get(f"{dashboard.url}/accounts/login/", timeout=10).status_code == 200
        # The other two gave up on a slot within half a second; without the cap all four
        # threads would wait out the 3 s deadline first.
        assert time.monotonic() - started < DEADLINE / 2
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [503, 503, 503, 503]
        assert drip.requests == 2
    finally:
        dashboard.stop()
        drip.close()
