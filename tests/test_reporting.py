"""Django's HTML error report never contains the API key, even from deep inside urllib3."""

import sys

import pytest
import urllib3.connectionpool
from django.test import RequestFactory
from django.views.debug import (
    ExceptionReporter,
    SafeExceptionReporterFilter,
    get_default_exception_reporter_filter,
)

from dashboard import api
from dashboard.reporting import SecretHidingReporterFilter
from tests.canary import CANARY


def crash_inside_urllib3(monkeypatch) -> tuple:
    """A real API call that fails unexpectedly where urllib3 holds the request headers."""

    def broken(self, conn, method, url, *args, **kwargs):
        raise RuntimeError("something unexpected inside urllib3")

    # Undone at once: the sandbox fixture's own calls go through urllib3 too.
    with monkeypatch.context() as patched:
        patched.setattr(urllib3.connectionpool.HTTPConnectionPool, "_make_request", broken)
        try:
            api.client_list(page=1, per_page=5)
        except Exception:
            return sys.exc_info()
    pytest.fail("the call did not fail")


def report_html(exc_info: tuple, *, reporter_filter=None) -> str:
    request = RequestFactory().get("/clients/")
    if reporter_filter is not None:  # Django caches the default one, from settings
        request.exception_reporter_filter = reporter_filter
    return ExceptionReporter(request, *exc_info).get_traceback_html()


def test_the_error_report_hides_the_api_key_in_urllib3_frames(sandbox, monkeypatch):
    report = report_html(crash_inside_urllib3(monkeypatch))
    assert "urllib3/connectionpool.py" in report  # the frame whose `headers` hold the key
    assert "something unexpected inside urllib3" in report
    assert CANARY not in report


def test_the_error_report_hides_the_key_with_debug_on_too(sandbox, monkeypatch, settings):
    settings.DEBUG = True  # Django's own filter shows every variable then
    report = report_html(crash_inside_urllib3(monkeypatch))
    assert "urllib3/connectionpool.py" in report
    assert CANARY not in report


def test_without_the_filter_the_debug_report_would_show_the_key(sandbox, monkeypatch, settings):
    """What the filter is for: with DEBUG on, Django's stock filter hides nothing (with
    DEBUG off it hides the locals below a @sensitive_variables function, where one is)."""
    settings.DEBUG = True
    report = report_html(
        crash_inside_urllib3(monkeypatch), reporter_filter=SafeExceptionReporterFilter()
    )
    assert CANARY in report


def test_any_frame_variable_that_holds_the_key_is_hidden():
    def send(path: str) -> None:
        headers = {"Authorization": f"Bearer {CANARY}", "Accept": "application/json"}
        raise RuntimeError(f"could not send {path} with {len(headers)} headers")

    try:
        send("/v1/clients")
    except RuntimeError:
        exc_info = sys.exc_info()
    hidden = report_html(exc_info)
    assert "could not send /v1/clients" in hidden and "path" in hidden
    assert CANARY not in hidden
    assert CANARY in report_html(exc_info, reporter_filter=SafeExceptionReporterFilter())


def test_the_configured_filter_is_the_one_that_hides_the_key():
    assert isinstance(get_default_exception_reporter_filter(), SecretHidingReporterFilter)
