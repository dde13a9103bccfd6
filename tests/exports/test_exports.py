"""CSV exports against the live sandbox: complete, streamed, correct, safe, gated, audited."""

import csv
import io
import re
from decimal import Decimal

import pytest
import requests

from dashboard.audit.models import AuditEntry
from dashboard.exports.streaming import ExportAborted
from dashboard.sandbox.seed import make_client
from tests.processes import DashboardProcess, start_dashboard

REF = "CL-000017"


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def every_client(sandbox) -> list[dict]:
    rows, page = [], 1
    while True:
        body = sandbox.call("GET", f"/v1/clients?page={page}&perPage=100").json()
        rows += body["data"]
        if page >= body["meta"]["totalPages"]:
            return rows
        page += 1


def test_exporting_every_client_matches_the_api(manager_client, sandbox):
    response = manager_client.get("/clients/export.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store, private"
    assert re.fullmatch(
        r'attachment; filename="clients-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    rows = read_csv(response)
    expected = every_client(sandbox)
    assert len(rows) == len(expected) >= 1000
    assert [row["client_ref"] for row in rows] == [client["clientRef"] for client in expected]
    assert len({row["client_id"] for row in rows}) == len(rows)  # no duplicates
    first = expected[0]
    assert rows[0]["first_name"] == first["firstName"]
    assert rows[0]["date_of_birth"] == first["dob"]
    with_phone = next(i for i, client in enumerate(expected) if client["phoneNumber"])
    assert (
        rows[with_phone]["phone_number"] == "'" + expected[with_phone]["phoneNumber"]
    )  # + neutralised
    assert rows[0]["created_at"] == first["createdAt"]  # ISO 8601, UTC, as the API wrote it
    assert [call["query"]["perPage"] for call in sandbox.received()[:1]] == ["100"]
    entry = AuditEntry.objects.get(action="export.clients")
    assert entry.outcome == "success" and entry.details["rows"] == len(rows)
    assert entry.details["api_total"] == len(expected) and entry.details["filters"] == {}


def test_a_search_export_has_exactly_the_search_results(manager_client, sandbox):
    rows = read_csv(manager_client.get("/clients/export.csv?q=okafor"))
    found = sandbox.call("GET", "/v1/clients/okafor").json()["data"]
    assert [row["client_ref"] for row in rows] == [client["clientRef"] for client in found]
    assert all(
        "okafor" in (row["last_name"] + row["first_name"] + row["email"]).lower() for row in rows
    )
    entry = AuditEntry.objects.get(action="export.clients")
    assert entry.details["filters"] == {"q": "okafor"} and entry.details["rows"] == len(found)


def test_the_filename_says_what_was_exported(manager_client, sandbox):
    disposition = manager_client.get("/clients/export.csv?q=Ada Obi")["Content-Disposition"]
    assert re.search(r'filename="clients-search-ada-obi-\d{8}-\d{4}\.csv"', disposition)
    loans = manager_client.get(f"/clients/{REF}/loans.csv")["Content-Disposition"]
    assert re.search(rf'filename="client-{REF}-loans-\d{{8}}-\d{{4}}\.csv"', loans)


@pytest.mark.parametrize("kind", ["loans", "deposits"])
def test_account_exports_read_every_page(manager_client, sandbox, settings, kind):
    settings.EXPORT_PAGE_SIZE = 2  # several pages even for a seeded client
    _client, loans, deposits = make_client(17, 1000)
    expected = loans if kind == "loans" else deposits
    rows = read_csv(manager_client.get(f"/clients/{REF}/{kind}.csv"))
    assert sorted(row[f"{kind[:-1]}_reference"] for row in rows) == sorted(
        account["reference"] for account in expected
    )
    assert all(row["client_ref"] == REF for row in rows)
    pages = [call for call in sandbox.received() if call["path"].endswith(kind)]
    assert len(pages) == -(-len(expected) // 2)  # every page, each once
    entry = AuditEntry.objects.get(action=f"export.{kind}")
    assert (entry.client_ref, entry.details["rows"]) == (REF, len(expected))


def test_money_and_dates_are_plain_and_iso(manager_client, sandbox):
    rows = read_csv(manager_client.get(f"/clients/{REF}/loans.csv"))
    for row in rows:
        assert Decimal(row["amount"]) > 0 and re.fullmatch(r"\d+\.\d{2}", row["amount"])
        assert row["currency"] == "NGN"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["due_date"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", row["created_at"])


def test_formulas_are_neutralised_and_negative_amounts_stay_numbers(
    manager_client, sandbox, random_suffix
):
    hostile = {
        "firstName": '=HYPERLINK("http://evil.test","Click")',
        "lastName": f"Tag{random_suffix}",
        "middleName": "@SUM(1+1)",
        "address": "+2348031234567",
        "city": "-2+3",
        "dob": "1990-01-01",
        "state": "Lagos",
        "country": "Nigeria",
    }
    client = sandbox.call("POST", "/v1/clients", json=hostile).json()["data"]
    sandbox.call(
        "POST",
        f"/_sandbox/clients/{client['id']}/deposits",
        json=[
            {
                "reference": "DP-REV-1",
                "amount": "-5000.00",
                "channel": "bank_transfer",
                "status": "reversed",
                "narration": "=cmd|' /C calc'!A0",
            },
            {
                "reference": "@DP-2",
                "amount": "1200.50",
                "channel": "cash",
                "status": "successful",
                "narration": "\rcarriage",
            },
        ],
    )
    rows = read_csv(manager_client.get(f"/clients/export.csv?q=Tag{random_suffix}"))
    (row,) = rows
    assert row["first_name"] == "'" + hostile["firstName"]
    assert row["middle_name"] == "'@SUM(1+1)"
    assert row["address"] == "'+2348031234567"
    assert row["city"] == "'-2+3"
    deposits = read_csv(manager_client.get(f"/clients/{client['clientRef']}/deposits.csv"))
    by_reference = {deposit["deposit_reference"]: deposit for deposit in deposits}
    assert by_reference["DP-REV-1"]["amount"] == "-5000.00"  # a number, not text
    assert by_reference["DP-REV-1"]["narration"] == "'=cmd|' /C calc'!A0"
    assert by_reference["'@DP-2"]["narration"] == "'\rcarriage"


def test_the_response_starts_before_the_whole_book_is_read(manager_client, sandbox, settings):
    response = manager_client.get("/clients/export.csv")
    chunks = iter(response.streaming_content)
    header = next(chunks)
    assert header.startswith("\ufeffclient_ref,client_id,first_name".encode())
    next(chunks)  # the first page's rows
    # Page 1, and at most the pages fetched ahead of the writer (of 10 or more).
    assert len(sandbox.received()) <= 1 + settings.EXPORT_PAGES_IN_FLIGHT < 10
    assert len(b"".join(chunks)) > 0


def test_a_slow_page_among_faster_ones_still_comes_out_in_order(manager_client, sandbox, settings):
    settings.EXPORT_PAGES_IN_FLIGHT = 3
    # Page 2 answers last of the pages asked for with it: 3 and 4 are already in.
    sandbox.set_faults(latency_ms=400, min_page=2, max_page=2, path_prefix="/v1/clients")
    response = manager_client.get("/clients/export.csv", headers={"X-Request-ID": "slow-0001"})
    rows = read_csv(response)
    received = sandbox.received()
    sandbox.clear_faults()
    expected = every_client(sandbox)
    assert [row["client_id"] for row in rows] == [client["id"] for client in expected]
    pages = [call["query"]["page"] for call in received]
    last = -(-len(expected) // 100)
    assert sorted(pages, key=int) == [str(number) for number in range(1, last + 1)]  # each once
    assert pages[0] == "1"  # alone: it says how many pages follow
    assert {call["request_id"] for call in received} == {"slow-0001"}
    entry = AuditEntry.objects.get(action="export.clients")
    assert entry.outcome == "success" and entry.details["rows"] == len(expected)


def test_a_first_page_failure_is_an_error_page_not_an_empty_file(manager_client, sandbox):
    sandbox.set_faults(error_rate=1)
    response = manager_client.get("/clients/export.csv")
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Export failed" in html and "Nothing was exported" in html and "Try again" in html
    entry = AuditEntry.objects.get(action="export.clients")
    assert (entry.outcome, entry.api_status, entry.details["rows"]) == ("failure", 503, 0)


def test_a_failure_mid_stream_aborts_and_is_audited(manager_client, sandbox):
    sandbox.set_faults(error_rate=1, min_page=3, path_prefix="/v1/clients")
    response = manager_client.get("/clients/export.csv")
    with pytest.raises(ExportAborted):
        b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(action="export.clients")
    assert (entry.outcome, entry.api_status, entry.details["rows"]) == ("failure", 503, 200)


@pytest.fixture(scope="module")
def production(sandbox_process, tmp_path_factory) -> DashboardProcess:
    """DEBUG off, gunicorn, collected static files, for this module's tests over real HTTP;
    no back-off between retries, so a failing page fails at once."""
    dashboard = start_dashboard(
        tmp_path_factory.mktemp("production"),
        api_url=sandbox_process.url,
        api_key=sandbox_process.api_key,
        staff={"boss": "Manager"},
        env={"API_BACKOFF": "0"},
    )
    yield dashboard
    dashboard.stop()


def test_a_mid_stream_failure_over_real_http_is_a_failed_download(production, sandbox):
    session = production.signed_in("boss", "a-long-test-password")
    sandbox.set_faults(error_rate=1, min_page=3, path_prefix="/v1/clients")
    response = session.get(f"{production.url}/clients/export.csv", stream=True, timeout=30)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        b"".join(response.iter_content(8192))  # the transfer ends abnormally


@pytest.mark.parametrize("fixture", ["viewer_client", "officer_client"])
@pytest.mark.parametrize(
    "path", ["/clients/export.csv", f"/clients/{REF}/loans.csv", f"/clients/{REF}/deposits.csv"]
)
def test_viewers_and_officers_may_not_export(request, sandbox, fixture, path):
    response = request.getfixturevalue(fixture).get(path)
    assert response.status_code == 403
    assert sandbox.received() == []
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_export_links_are_shown_to_managers_only(manager_client, officer_client, sandbox):
    assert "Export all" in manager_client.get("/clients/").content.decode()
    assert "Export the" in manager_client.get("/clients/?q=okafor").content.decode()
    assert f"/clients/{REF}/loans.csv" in manager_client.get(f"/clients/{REF}/").content.decode()
    assert "Export" not in officer_client.get("/clients/").content.decode()
    assert ".csv" not in officer_client.get(f"/clients/{REF}/").content.decode()


def test_production_serving_works_end_to_end(production, sandbox):
    """DEBUG off, gunicorn, collected static files: the page, its CSS and an export."""
    session = production.signed_in("boss", "a-long-test-password")
    page = session.get(f"{production.url}/clients/", timeout=10)
    assert page.status_code == 200 and "CL-00" in page.text
    stylesheet = re.search(r'href="(/static/css/dashboard\.[0-9a-f]+\.css)"', page.text)
    assert stylesheet, "static URLs carry a content hash"
    css = session.get(production.url + stylesheet.group(1), timeout=10)
    assert css.status_code == 200 and "max-age" in css.headers["Cache-Control"]
    export = session.get(f"{production.url}/clients/export.csv?q=okafor", timeout=30)
    assert export.status_code == 200 and export.text.startswith("\ufeffclient_ref")


def test_a_capped_search_export_says_more_may_match(manager_client, sandbox):
    # The API answers a search with at most 50 clients: the file is those 50, and the
    # page's button and the audit entry say that more may match.
    for number in range(51):
        sandbox.create_client(firstName="Capped", lastName=f"Zebedee{number:02d}")
    page = manager_client.get("/clients/?q=zebedee").content.decode()
    assert "Export these 50 clients (CSV; more may match)" in page
    rows = read_csv(manager_client.get("/clients/export.csv?q=zebedee"))
    assert len(rows) == 50
    entry = AuditEntry.objects.filter(action="export.clients").latest("at")
    assert entry.details["rows"] == 50
    assert "at most 50 clients" in entry.details["capped"]
    assert "zebedee" in entry.details["capped"]


def test_an_uncapped_search_export_says_nothing_of_it(manager_client, sandbox):
    read_csv(manager_client.get("/clients/export.csv?q=okafor"))
    entry = AuditEntry.objects.filter(action="export.clients").latest("at")
    assert "capped" not in entry.details
