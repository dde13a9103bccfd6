"""Server-Timing on every page and fragment: the API's time and calls, and the dashboard's own."""

import re
import time

import pytest
from django.test import Client

TIMING = re.compile(
    r'api;dur=(?P<api>\d+\.\d);desc="(?P<calls>\d+) calls?", app;dur=(?P<app>\d+\.\d)'
)


def server_timing(response) -> tuple[float, int, float]:
    """(API milliseconds, API calls, the dashboard's own milliseconds)."""
    found = TIMING.fullmatch(response.headers["Server-Timing"])
    assert found, response.headers["Server-Timing"]
    return float(found["api"]), int(found["calls"]), float(found["app"])


# name: (path, request headers)
VIEWS = {
    "client list": ("/clients/", {}),
    "search fragment": ("/clients/?q=okafor", {"HX-Request": "true"}),
    "client page": ("/clients/CL-000017/", {}),
    "loans tab fragment": ("/clients/CL-000017/loans/", {"HX-Request": "true"}),
}


@pytest.mark.parametrize(("path", "headers"), VIEWS.values(), ids=VIEWS)
def test_pages_and_fragments_say_where_their_time_went(viewer_client, sandbox, path, headers):
    started = time.perf_counter()
    response = viewer_client.get(path, headers=headers)
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    api_ms, calls, app_ms = server_timing(response)
    assert calls == len(sandbox.received()) >= 1
    assert 0 < api_ms <= elapsed_ms
    assert api_ms + app_ms <= elapsed_ms + 0.2  # each rounded to 0.1 ms


def test_a_slow_api_shows_as_api_time(viewer_client, sandbox):
    sandbox.set_faults(latency_ms=150)
    response = viewer_client.get("/clients/")
    api_ms, calls, app_ms = server_timing(response)
    assert calls >= 1
    assert api_ms >= 150 * calls
    assert app_ms < api_ms


def test_a_page_without_api_calls_says_so(db):
    response = Client().get("/accounts/login/")
    api_ms, calls, app_ms = server_timing(response)
    assert (api_ms, calls) == (0.0, 0)
    assert app_ms > 0
    assert 'desc="0 calls"' in response.headers["Server-Timing"]


def test_one_call_is_one_call(viewer_client, sandbox):
    response = viewer_client.get("/clients/?q=okafor", headers={"HX-Request": "true"})
    assert len(sandbox.received()) == 1
    assert 'desc="1 call"' in response.headers["Server-Timing"]


def test_an_export_counts_its_first_page_in_the_header(manager_client, sandbox):
    # The header leaves before the later pages are read: they are in the access line.
    response = manager_client.get("/clients/export.csv")
    _api_ms, calls, _app_ms = server_timing(response)
    assert calls == 1
    b"".join(response.streaming_content)
    assert len(sandbox.received()) > 1
