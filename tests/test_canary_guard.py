"""The canary guard itself: it must notice a leak in a response, a stream or a log."""

import logging

from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from tests.canary import CANARY, CanaryMiddleware, canary_leaks


def test_the_suite_runs_with_a_random_canary_key(settings):
    assert settings.API_SECRET_KEY == CANARY
    assert CANARY.startswith("sk_canary_") and len(CANARY) > 30


def test_a_key_in_a_body_or_header_is_caught():
    request = RequestFactory().get("/")
    CanaryMiddleware(lambda r: HttpResponse(f"oops {CANARY}"))(request)
    CanaryMiddleware(lambda r: HttpResponse("fine", headers={"X-Debug": CANARY}))(request)
    found = list(canary_leaks)
    canary_leaks.clear()
    assert len(found) == 2


def test_a_key_split_across_stream_chunks_is_caught():
    half = len(CANARY) // 2
    chunks = [b"a,b\n", CANARY[:half].encode(), CANARY[half:].encode()]
    request = RequestFactory().get("/export.csv")
    response = CanaryMiddleware(lambda r: StreamingHttpResponse(iter(chunks)))(request)
    b"".join(response.streaming_content)
    found = list(canary_leaks)
    canary_leaks.clear()
    assert found == ["response to GET /export.csv"]


def test_a_key_in_any_log_line_is_caught():
    logging.getLogger("dashboard.anything").debug("calling with %s", CANARY)
    found = list(canary_leaks)
    canary_leaks.clear()
    assert len(found) == 1
