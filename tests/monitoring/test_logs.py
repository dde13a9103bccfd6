"""Log lines: every one names its request, one access line per request, no path, key or
personal data; LOG_FORMAT=json checked in-process and from a real gunicorn."""

import contextlib
import io
import json
import logging
import re
import time

import pytest
import requests

from dashboard.exports.streaming import ExportAborted
from dashboard.monitoring.logs import JsonLines, RequestIdFilter, RoutesNotPaths, TextLines
from tests.canary import CANARY, canary_leaks, scan
from tests.processes import DashboardProcess, start_dashboard
from tests.test_settings import manage

ACCESS_FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "user_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "api_calls",
    "api_ms",
}


class JsonLog:
    """The lines a LOG_FORMAT=json console handler prints, parsed."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonLines())
        self.handler.addFilter(RequestIdFilter())
        self.handler.addFilter(RoutesNotPaths())

    def clear(self) -> None:
        self.stream.seek(0)
        self.stream.truncate()

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text().splitlines()]

    def access_lines(self) -> list[dict]:
        return [line for line in self.lines() if line["logger"] == "dashboard.requests"]


@pytest.fixture
def json_log():
    log = JsonLog()
    root = logging.getLogger()
    root.addHandler(log.handler)
    yield log
    root.removeHandler(log.handler)


# --- in-process: the filters and formats ------------------------------------------------


def test_every_line_of_a_request_names_it(viewer_client, sandbox, json_log):
    sandbox.set_faults(error_rate=1, error_status=503)
    json_log.clear()
    response = viewer_client.get("/clients/CL-000017/", headers={"X-Request-ID": "failing-0001"})
    assert response.status_code == 503
    lines = json_log.lines()
    assert {line["logger"] for line in lines} >= {
        "dashboard.api.transport",  # the API's failure
        "django.request",  # Django's "Service Unavailable", written after the middleware
        "dashboard.requests",  # the access line
    }
    assert {line["request_id"] for line in lines} == {"failing-0001"}


def test_one_access_line_per_request_with_its_fields(viewer, viewer_client, sandbox, json_log):
    json_log.clear()
    response = viewer_client.get("/clients/CL-000017/")
    [line] = json_log.access_lines()
    assert set(line) == ACCESS_FIELDS
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_id"] == str(viewer.pk)
    assert (line["level"], line["method"], line["route"], line["status"]) == (
        "INFO",
        "GET",
        "clients:detail",
        200,
    )
    assert line["api_calls"] == len(sandbox.received()) >= 1
    assert 0 < line["api_ms"] <= line["duration_ms"]
    assert "CL-000017" not in json_log.text()


def test_an_anonymous_request_has_no_user(db, client, json_log):
    client.get("/accounts/login/")
    [line] = json_log.access_lines()
    assert line["user_id"] is None
    assert line["route"] == "access:login"


def test_probes_log_their_access_lines_at_debug_only(db, client, json_log):
    client.get("/healthz")
    [line] = json_log.access_lines()
    assert line["level"] == "DEBUG"


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/clients/CL-999999/", "route clients:detail"),
        ("/no-such-page/CL-999999/", "route (none)"),
        ("/clients/%E1%BB%8Cl%C3%A1-CL-999999/", "route clients:detail"),  # Ọlá: escaped
    ],
    ids=["routed", "unrouted", "non-ascii"],
)
def test_djangos_warnings_name_the_route_not_the_path(
    viewer_client, sandbox, json_log, path, route
):
    response = viewer_client.get(path)
    assert response.status_code == 404
    warnings = [line for line in json_log.lines() if line["logger"] == "django.request"]
    assert [line["message"] for line in warnings] == [f"Not Found: {route}"]
    assert warnings[0]["status"] == 404
    assert "CL-999999" not in json_log.text()
    assert "l\\u00e1" not in json_log.text()


def test_a_search_term_in_the_query_is_never_logged(viewer_client, sandbox, json_log):
    sandbox.set_faults(error_rate=1, error_status=503)
    viewer_client.get("/clients/?q=okafor", headers={"HX-Request": "true"})
    assert json_log.lines()
    assert "okafor" not in json_log.text().lower()


def test_the_exports_access_line_counts_the_page_fetchers_calls(manager_client, sandbox, json_log):
    response = manager_client.get("/clients/export.csv", headers={"X-Request-ID": "export-0002"})
    b"".join(response.streaming_content)
    [line] = json_log.access_lines()
    assert line["request_id"] == "export-0002"
    assert line["api_calls"] == len(sandbox.received()) > 2
    assert line["route"] == "clients:export"
    assert "cut short" not in line["message"]


def test_a_page_fetcher_failure_is_logged_with_the_exports_id(manager_client, sandbox, json_log):
    sandbox.set_faults(error_rate=1, error_status=503, min_page=2)
    response = manager_client.get("/clients/export.csv", headers={"X-Request-ID": "export-0003"})
    with pytest.raises(ExportAborted):
        b"".join(response.streaming_content)
    lines = json_log.lines()
    failures = [line for line in lines if line["logger"] == "dashboard.api.transport"]
    assert failures  # written on a page-fetching thread
    assert {line["request_id"] for line in lines} == {"export-0003"}
    assert "cut short" in json_log.access_lines()[0]["message"]


def test_text_lines_name_the_request_too():
    record = logging.makeLogRecord({"name": "dashboard.x", "levelname": "INFO", "msg": "hello"})
    record.request_id = "text-0001"
    assert TextLines().format(record).endswith("INFO dashboard.x [text-0001] hello")
    outside = logging.makeLogRecord({"name": "dashboard.x", "levelname": "INFO", "msg": "hi"})
    assert TextLines().format(outside).endswith("[-] hi")


def test_a_json_line_holds_a_traceback_and_no_other_record_attribute():
    try:
        raise ValueError("broken")
    except ValueError as error:
        record = logging.makeLogRecord(
            {
                "name": "x",
                "levelname": "ERROR",
                "msg": "failed",
                "exc_info": (ValueError, error, None),
            }
        )
    record.request = object()  # Django's records carry the request object: never printed
    line = json.loads(JsonLines().format(record))
    assert set(line) == {"time", "level", "logger", "message", "request_id", "exception"}
    assert "ValueError: broken" in line["exception"]
    assert line["time"].endswith("+00:00")


def test_the_canary_guard_reads_the_json_line_too():
    # A key only in a chained exception: absent from the message and the exception's repr.
    try:
        try:
            raise RuntimeError(CANARY)
        except RuntimeError as inner:
            raise ValueError("outer") from inner
    except ValueError:
        logging.getLogger("dashboard.anything").exception("failed")
    found = list(canary_leaks)
    canary_leaks.clear()
    assert len(found) == 1


def test_an_unknown_log_format_stops_start_up():
    result = manage("check", LOG_FORMAT="xml")
    assert result.returncode == 1
    assert "LOG_FORMAT must be 'text' or 'json'" in result.stderr


# --- a real gunicorn, DEBUG off, LOG_FORMAT=json ------------------------------------------


@pytest.fixture(scope="module")
def production(sandbox_process, tmp_path_factory) -> tuple[DashboardProcess, object]:
    sandbox_process.clear_faults()
    folder = tmp_path_factory.mktemp("json-logs")
    log_path = folder / "dashboard.log"
    dashboard = start_dashboard(
        folder,
        api_url=sandbox_process.url,
        api_key=sandbox_process.api_key,
        staff={"manager": "Manager"},
        env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"},
        log_path=log_path,
    )
    yield dashboard, log_path
    dashboard.stop()


def json_lines_of(text: str) -> list[dict]:
    # gunicorn's own error log (an aborted download's traceback) is not ours: text lines.
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def wait_for_line(log_path, request_id: str, logger: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = json_lines_of(log_path.read_text())
        if any(line["request_id"] == request_id and line["logger"] == logger for line in lines):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {logger} line for {request_id}")


def test_a_real_servers_json_logs(production, sandbox):
    dashboard, log_path = production
    session = dashboard.signed_in("manager", "a-long-test-password")
    url = dashboard.url

    def get(path: str, request_id: str, **headers) -> requests.Response:
        return session.get(url + path, headers={"X-Request-ID": request_id, **headers}, timeout=30)

    sandbox.forget_received()
    page = get("/clients/CL-000017/", "prod-detail-0001")
    assert page.status_code == 200
    assert page.headers["X-Request-ID"] == "prod-detail-0001"
    assert 'desc="' in page.headers["Server-Timing"]
    detail_calls = len(sandbox.received())
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.text).group(1)
    static = requests.get(
        url + stylesheet, headers={"X-Request-ID": "prod-static-0001"}, timeout=10
    )
    assert static.status_code == 200
    assert static.headers["X-Request-ID"] == "prod-static-0001"
    assert get("/clients/?q=okafor", "prod-search-0001", **{"HX-Request": "true"}).ok
    assert get("/clients/CL-999999/", "prod-missing-0001").status_code == 404

    sandbox.set_faults(error_rate=1, error_status=503)
    assert get("/clients/CL-000017/", "prod-failing-0001").status_code == 503
    sandbox.set_faults(error_rate=1, error_status=503, min_page=2)
    export = session.get(
        url + "/clients/export.csv", headers={"X-Request-ID": "prod-export-0001"}, stream=True
    )
    assert export.status_code == 200
    with contextlib.suppress(requests.RequestException):  # the download is aborted
        export.content  # noqa: B018
    sandbox.clear_faults()
    wait_for_line(log_path, "prod-export-0001", "dashboard.requests")

    text = log_path.read_text()
    lines = json_lines_of(text)
    by_request: dict[str, list[dict]] = {}
    for line in lines:
        assert line["request_id"], line  # every line of ours was written for a request
        by_request.setdefault(line["request_id"], []).append(line)

    [access] = [line for line in by_request["prod-detail-0001"] if "route" in line]
    assert set(access) == ACCESS_FIELDS
    assert access["route"] == "clients:detail"
    assert access["status"] == 200
    assert access["user_id"]
    assert access["api_calls"] == detail_calls
    assert access["api_ms"] <= access["duration_ms"]

    failing = {line["logger"] for line in by_request["prod-failing-0001"]}
    assert failing >= {"dashboard.api.transport", "django.request", "dashboard.requests"}
    missing = [line["message"] for line in by_request["prod-missing-0001"]]
    assert "Not Found: route clients:detail" in missing
    exported = by_request["prod-export-0001"]
    assert any(line["logger"] == "dashboard.api.transport" for line in exported)  # page fetchers

    # Nothing secret or personal, in our lines or gunicorn's.
    scan("the production JSON log", text)
    for private in (
        CANARY,
        "a-long-test-password",
        session.cookies["sessionid"],
        "CL-000017",
        "CL-999999",
        "okafor",
    ):
        assert private not in text, private
