"""The client's portfolio summary over the live sandbox: figures checked against a plain
computation over every loan and deposit, the calls it costs, the cache and its
invalidation by an edit."""

import math
import threading
import time
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dashboard import api
from dashboard.cache import TolerantRedisCache
from dashboard.clients import portfolio
from dashboard.sandbox.seed import (
    ANCHOR,
    EMPTY_CLIENT_REF,
    PORTFOLIO_CLIENT_REF,
    PORTFOLIO_DEPOSITS,
    PORTFOLIO_LOANS,
)
from tests.clients.test_edit_views import create_in_sandbox, edit_form
from tests.processes import free_port

TODAY = ANCHOR.date()  # the seeded history ends here
LAGOS = ZoneInfo("Africa/Lagos")


def client_id(sandbox, client_ref: str) -> str:
    """The client's id, asked of the sandbox; the request record then starts afresh."""
    found = sandbox.call("GET", f"/v1/clients/{client_ref}").json()["data"]["id"]
    sandbox.forget_received()
    return found


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def no_reading_left(sandbox) -> bool:
    """No page of a portfolio still being fetched, by the dashboard or for it."""
    threads = [t for t in threading.enumerate() if t.name.startswith("portfolio-")]
    answering = sandbox.call("GET", "/_sandbox/concurrency").json()["data"]["inFlight"]
    return not threads and answering == 0


def every(sandbox, client_id: str, kind: str) -> list[dict]:
    """Every loan or deposit, asked of the sandbox page by page with plain requests."""
    rows, page = [], 1
    while True:
        body = sandbox.call(
            "GET", f"/v1/clients/{client_id}/{kind}?page={page}&perPage=100"
        ).json()
        rows += body["data"]
        if page >= body["meta"]["totalPages"]:
            return rows
        page += 1


def months_before(today: date) -> list[tuple[int, int]]:
    months, (year, month) = [], (today.year, today.month)
    for _ in range(12):
        months.insert(0, (year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def expected(loans: list[dict], deposits: list[dict], today: date) -> dict:
    """The figures, computed straight from the API's JSON, one currency at a time."""
    window = months_before(today)
    lines: dict = defaultdict(
        lambda: {
            "loans": 0,
            "active": 0,
            "outstanding": Decimal(0),
            "overdue": 0,
            "overdue_amount": Decimal(0),
            "disbursed": Decimal(0),
            "deposits": 0,
            "received": Decimal(0),
            "reversals": 0,
            "reversed": Decimal(0),
            "months": {month: [Decimal(0), Decimal(0)] for month in window},
            "last": None,
            "balances": [],
        }
    )
    for loan in loans:
        line = lines[loan["currency"]]
        balance = Decimal(loan["outstandingBalance"])
        late = loan["dueDate"] is not None and date.fromisoformat(loan["dueDate"]) < today
        overdue = loan["status"] in ("overdue", "written_off") or (late and balance > 0)
        line["loans"] += 1
        line["active"] += loan["status"] in ("active", "overdue")
        line["outstanding"] += balance
        if overdue:
            line["overdue"] += 1
            line["overdue_amount"] += balance
        if loan["status"] != "pending":
            line["disbursed"] += Decimal(loan["amount"])
        if balance > 0:
            line["balances"].append((loan["reference"], balance, overdue))
    for deposit in deposits:
        line = lines[deposit["currency"]]
        line["deposits"] += 1
        amount = Decimal(deposit["amount"])
        made = datetime.fromisoformat(deposit["createdAt"])
        day = made.astimezone(LAGOS).date()
        if deposit["status"] == "successful" and (line["last"] is None or made > line["last"][0]):
            line["last"] = (made, day, amount)
        if deposit["status"] not in ("successful", "reversed"):
            continue
        if (day.year, day.month) in window and day <= today:
            month = line["months"][day.year, day.month]
            month[0] += amount
            line["received"] += amount
            if deposit["status"] == "reversed":
                month[1] -= amount
                line["reversals"] += 1
                line["reversed"] -= amount
    return lines


def assert_summary_matches(summary: portfolio.Summary, lines: dict) -> None:
    assert [line.currency for line in summary.currencies] == sorted(lines)
    for code, want in lines.items():
        got = summary.currency(code)
        assert (got.loans, got.active_loans, got.overdue_loans) == (
            want["loans"],
            want["active"],
            want["overdue"],
        )
        assert (got.outstanding, got.overdue_amount, got.disbursed) == (
            want["outstanding"],
            want["overdue_amount"],
            want["disbursed"],
        )
        assert (got.deposits, got.reversals_12m) == (want["deposits"], want["reversals"])
        assert (got.received_12m, got.reversed_12m) == (want["received"], want["reversed"])
        assert got.deposited_12m == want["received"] + want["reversed"]
        last = want["last"]
        assert (got.last_deposit_on, got.last_deposit_amount) == (
            (last[1], last[2]) if last else (None, None)
        )
        assert [(m.month.year, m.month.month, m.deposits, m.reversals) for m in got.months] == [
            (year, month, *amounts) for (year, month), amounts in want["months"].items()
        ]
        assert sorted((b.reference, b.outstanding, b.overdue) for b in got.balances) == sorted(
            want["balances"]
        )
        assert [b.outstanding for b in got.balances] == sorted(
            (b.outstanding for b in got.balances), reverse=True
        )


@pytest.fixture
def large(sandbox) -> str:
    return client_id(sandbox, PORTFOLIO_CLIENT_REF)


def test_the_large_clients_figures_equal_a_plain_computation(sandbox, large):
    loans, deposits = every(sandbox, large, "loans"), every(sandbox, large, "deposits")
    assert (len(loans), len(deposits)) == (PORTFOLIO_LOANS, PORTFOLIO_DEPOSITS) == (230, 310)
    summary = portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert (summary.loans_read, summary.deposits_read) == (230, 310)
    assert (summary.loans_total, summary.deposits_total) == (230, 310)
    assert summary.partial is False and summary.today == TODAY
    assert_summary_matches(summary, expected(loans, deposits, TODAY))
    # What the seed promises, so the comparison above covers every rule.
    ngn, usd = summary.currency("NGN"), summary.currency("USD")
    assert ngn.reversals_12m > 0 and ngn.reversed_12m < 0
    assert ngn.overdue_loans > 0 and usd is not None


def test_a_client_without_loans_or_deposits_has_an_empty_summary(sandbox):
    empty = client_id(sandbox, EMPTY_CLIENT_REF)
    assert every(sandbox, empty, "loans") == every(sandbox, empty, "deposits") == []
    sandbox.forget_received()
    summary = portfolio.portfolio_summary(client_id=empty, today=TODAY)
    assert summary.currencies == ()
    assert (summary.loans_read, summary.deposits_read, summary.partial) == (0, 0, False)
    assert len(sandbox.received()) == 2  # page 1 of each list, nothing more


def add(sandbox, client: dict, kind: str, rows: list[dict]) -> None:
    answer = sandbox.call("POST", f"/_sandbox/clients/{client['id']}/{kind}", json=rows)
    assert answer.status_code == 201, answer.text


def loan(reference: str, **fields) -> dict:
    return {
        "reference": reference,
        "amount": "1000.00",
        "interestRate": "20.00",
        "tenureMonths": 6,
        "outstandingBalance": "500.00",
        "status": "active",
        "disbursedAt": "2026-01-05T10:00:00.000Z",
        "dueDate": "2026-07-05",
        **fields,
    }


def deposit(reference: str, amount: str, **fields) -> dict:
    return {
        "reference": reference,
        "amount": amount,
        "channel": "cash",
        "status": "successful",
        "createdAt": "2026-10-15T10:00:00.000Z",
        **fields,
    }


def test_mixed_currencies_give_one_line_each_never_a_mixed_sum(sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    add(sandbox, client, "loans", [loan("L-NGN", currency="NGN"), loan("L-USD", currency="USD")])
    add(sandbox, client, "deposits", [deposit("D-GHS", "70.00", currency="GHS")])
    summary = portfolio.portfolio_summary(client_id=client["id"], today=TODAY)
    assert [line.currency for line in summary.currencies] == ["GHS", "NGN", "USD"]
    for code in ("NGN", "USD"):
        assert summary.currency(code).outstanding == Decimal("500.00")
        assert summary.currency(code).loans == 1
    assert summary.currency("GHS").deposited_12m == Decimal("70.00")
    assert summary.currency("GHS").loans == 0


def test_a_reversed_deposit_counts_negative(sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    add(
        sandbox,
        client,
        "deposits",
        [
            deposit("D-1", "5000.00"),
            deposit("D-2", "1200.50", status="reversed"),
            deposit("D-3", "999.00", status="failed"),
            deposit("D-4", "10.00", status="pending"),
        ],
    )
    line = portfolio.portfolio_summary(client_id=client["id"], today=TODAY).currency("NGN")
    assert (line.reversals_12m, line.reversed_12m) == (1, Decimal("-1200.50"))
    assert line.received_12m == Decimal("6200.50")  # both came in
    assert line.deposited_12m == Decimal("5000.00")  # one went back
    october = line.months[-2]
    assert (october.month, october.deposits, october.reversals) == (
        date(2026, 10, 1),
        Decimal("6200.50"),
        Decimal("-1200.50"),
    )
    assert (line.last_deposit_on, line.last_deposit_amount) == (
        date(2026, 10, 15),
        Decimal("5000.00"),
    )


def test_overdue_follows_the_due_date_and_the_balance(sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    add(
        sandbox,
        client,
        "loans",
        [
            loan("late-with-balance", dueDate="2026-10-31", outstandingBalance="300.00"),
            loan("late-repaid", dueDate="2026-10-31", outstandingBalance="0.00"),
            loan("due-today", dueDate=TODAY.isoformat(), outstandingBalance="40.00"),
            loan("not-yet-due", dueDate="2027-03-01", outstandingBalance="50.00"),
            loan("no-due-date", dueDate=None, outstandingBalance="60.00"),
            loan("marked", status="overdue", dueDate="2027-03-01", outstandingBalance="70.00"),
            loan("written", status="written_off", outstandingBalance="80.00"),
            loan("closed", status="closed", dueDate="2025-01-01", outstandingBalance="0.00"),
        ],
    )
    line = portfolio.portfolio_summary(client_id=client["id"], today=TODAY).currency("NGN")
    overdue = {balance.reference for balance in line.balances if balance.overdue}
    assert overdue == {"late-with-balance", "marked", "written"}
    assert (line.overdue_loans, line.overdue_amount) == (3, Decimal("450.00"))
    assert line.active_loans == 6  # five active, one overdue; not written off or closed
    assert line.outstanding == Decimal("600.00")
    assert "late-repaid" not in {balance.reference for balance in line.balances}


def test_the_cap_yields_partial_with_the_counts_read(sandbox, large, settings):
    settings.SUMMARY_MAX_PAGES = 1
    summary = portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert summary.partial is True
    assert (summary.loans_read, summary.deposits_read) == (100, 100)
    assert (summary.loans_total, summary.deposits_total) == (230, 310)
    assert len(sandbox.received()) == 2  # no page past the cap is asked for


@pytest.mark.parametrize("in_flight", [1, 3])
def test_the_large_client_costs_one_call_per_page_with_a_few_in_flight(
    sandbox, large, settings, in_flight
):
    settings.SUMMARY_PAGES_IN_FLIGHT = in_flight
    # Each page takes a while, so calls that could overlap do.
    sandbox.set_faults(latency_ms=60, path_prefix=f"/v1/clients/{large}/")
    portfolio.portfolio_summary(client_id=large, today=TODAY)
    calls = sandbox.received()
    pages = sorted((call["path"].rsplit("/", 1)[1], int(call["query"]["page"])) for call in calls)
    assert len(calls) == math.ceil(230 / 100) + math.ceil(310 / 100) == 7
    assert pages == [("deposits", n) for n in range(1, 5)] + [("loans", n) for n in range(1, 4)]
    assert {call["query"]["perPage"] for call in calls} == {"100"}
    peak = sandbox.peak_in_flight()
    assert peak <= in_flight
    if in_flight > 1:
        assert peak >= 2  # loans and deposits were read at once


def test_a_second_read_within_the_cache_window_makes_no_call(sandbox, large):
    first = portfolio.portfolio_summary(client_id=large, today=TODAY)
    sandbox.forget_received()
    again = portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert sandbox.received() == []
    assert again == first  # as_of included: the figures of that reading


def test_the_cached_value_is_plain(sandbox, large):
    from django.core.cache import cache

    summary = portfolio.portfolio_summary(client_id=large, today=TODAY)
    stored = cache.get(portfolio._key(large))  # the memory cache pickles what it keeps
    plain = (dict, list, tuple, str, int, bool, Decimal, date, datetime, type(None))

    def only_plain(value) -> bool:
        if isinstance(value, dict):
            return all(only_plain(key) and only_plain(item) for key, item in value.items())
        if isinstance(value, list | tuple):
            return all(only_plain(item) for item in value)
        return type(value) in plain or isinstance(value, datetime)

    assert isinstance(stored, dict) and only_plain(stored)
    assert portfolio._from_plain(stored) == summary


def test_another_day_or_no_cache_window_reads_again(sandbox, large, settings):
    portfolio.portfolio_summary(client_id=large, today=TODAY)
    sandbox.forget_received()
    portfolio.portfolio_summary(client_id=large, today=date(2026, 11, 2))
    assert len(sandbox.received()) == 7
    settings.SUMMARY_CACHE_SECONDS = 0
    sandbox.forget_received()
    portfolio.portfolio_summary(client_id=large, today=TODAY)
    portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert len(sandbox.received()) == 14


def test_an_edit_through_the_dashboard_invalidates_the_summary(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    add(sandbox, client, "loans", [loan("L-1")])
    portfolio.portfolio_summary(client_id=client["id"], today=TODAY)
    portfolio.portfolio_summary(client_id=client["id"], today=TODAY)
    sandbox.forget_received()
    response = officer_client.post(
        f"/clients/{client['clientRef']}/edit/", {**edit_form(client), "city": "Ibadan"}
    )
    assert response.status_code == 302
    sandbox.forget_received()
    portfolio.portfolio_summary(client_id=client["id"], today=TODAY)
    assert sorted(call["path"] for call in sandbox.received()) == [
        f"/v1/clients/{client['id']}/deposits",
        f"/v1/clients/{client['id']}/loans",
    ]


def test_a_delete_through_the_dashboard_forgets_the_summary(
    manager_client, sandbox, random_suffix
):
    from django.core.cache import cache

    client = create_in_sandbox(sandbox, random_suffix)
    portfolio.portfolio_summary(client_id=client["id"], today=TODAY)
    assert cache.get(portfolio._key(client["id"])) is not None
    response = manager_client.post(f"/clients/{client['clientRef']}/delete/")
    assert response.status_code in (200, 302)
    assert cache.get(portfolio._key(client["id"])) is None


def test_a_cache_that_is_down_is_a_miss_not_an_error(sandbox, large, monkeypatch):
    unreachable = TolerantRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    monkeypatch.setattr(portfolio, "cache", unreachable)
    first = portfolio.portfolio_summary(client_id=large, today=TODAY)
    second = portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert first.currencies == second.currencies
    assert len(sandbox.received()) == 14  # read twice: nothing was kept
    portfolio.forget(large)  # a write's invalidation does not fail either


def test_an_api_failure_raises_the_service_modules_error(sandbox, large):
    sandbox.set_faults(error_rate=1, error_status=503, min_page=2)
    with pytest.raises(api.ApiError):
        portfolio.portfolio_summary(client_id=large, today=TODAY)
    sandbox.clear_faults()
    wait_until(lambda: no_reading_left(sandbox))  # pages asked for ahead end on their own
    sandbox.forget_received()
    portfolio.portfolio_summary(client_id=large, today=TODAY)
    assert len(sandbox.received()) == 7  # the failure was not cached
