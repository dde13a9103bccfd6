"""Reading a client's whole portfolio (api.client_portfolio) against answers `responses`
makes up, and the summary computed from odd ones: whatever the API sends, figures or an
ApiError, never a crash."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import responses
from responses import matchers

from dashboard import api
from dashboard.clients import portfolio
from tests.api.test_endpoints import DEPOSIT, LOAN, envelope

TODAY = date(2026, 11, 1)
LOANS = "/v1/clients/c1/loans"
DEPOSITS = "/v1/clients/c1/deposits"


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def page_query(number: int):
    return [matchers.query_param_matcher({"page": str(number), "perPage": "100"})]


def loans(count: int, start: int = 0, **fields) -> list[dict]:
    return [{**LOAN, "id": f"l{n}", "reference": f"LN-{n}", **fields} for n in range(start, count)]


def deposits(count: int, start: int = 0, **fields) -> list[dict]:
    return [{**DEPOSIT, "id": f"d{n}", **fields} for n in range(start, count)]


def listed(mocked, fake_api, path: str, pages: list[list[dict]], *, totals: bool = True):
    total = sum(map(len, pages))
    for number, items in enumerate(pages, start=1):
        body = (
            envelope(items, page=number, perPage=100, total=total, totalPages=len(pages))
            if totals
            else items
        )
        mocked.get(f"{fake_api}{path}", match=page_query(number), json=body)


def summary_of(read: api.Portfolio) -> portfolio.Summary:
    return portfolio.summarise(
        read.loans, read.deposits, today=TODAY, as_of=read.as_of, partial=read.partial
    )


def test_every_page_is_asked_for_once_at_the_largest_size(mocked, fake_api):
    listed(mocked, fake_api, LOANS, [loans(100), loans(150, 100)])
    listed(mocked, fake_api, DEPOSITS, [deposits(100), deposits(200, 100), deposits(201, 200)])
    read = api.client_portfolio(client_id="c1")
    assert (read.loans_read, read.deposits_read, read.partial) == (150, 201, False)
    assert (read.loans_total, read.deposits_total) == (150, 201)
    assert [loan.id for loan in read.loans] == [f"l{n}" for n in range(150)]  # in order
    assert len(mocked.calls) == 5
    assert isinstance(read.as_of, datetime) and read.as_of.tzinfo is not None


def test_the_cap_stops_at_the_pages_allowed_and_says_partial(mocked, fake_api):
    listed(mocked, fake_api, LOANS, [loans(100), loans(200, 100), loans(250, 200)])
    listed(mocked, fake_api, DEPOSITS, [deposits(3)])
    mocked.assert_all_requests_are_fired = False  # page 3 of the loans is never asked for
    read = api.client_portfolio(client_id="c1", max_pages=2, in_flight=3)
    assert (read.loans_read, read.deposits_read, read.partial) == (200, 3, True)
    assert (read.loans_total, read.deposits_total) == (250, 3)
    assert not any("page=3" in call.request.url for call in mocked.calls)


def test_an_empty_portfolio_is_two_calls_and_no_line(mocked, fake_api):
    listed(mocked, fake_api, LOANS, [[]])
    listed(mocked, fake_api, DEPOSITS, [[]])
    read = api.client_portfolio(client_id="c1")
    assert (read.loans, read.deposits, read.partial) == ((), (), False)
    assert summary_of(read).currencies == ()
    assert len(mocked.calls) == 2


def test_a_bare_list_without_totals_is_read_until_a_short_page(mocked, fake_api):
    listed(mocked, fake_api, LOANS, [loans(100), loans(130, 100)], totals=False)
    listed(mocked, fake_api, DEPOSITS, [deposits(7)], totals=False)
    read = api.client_portfolio(client_id="c1", in_flight=3)
    assert (read.loans_read, read.deposits_read, read.partial) == (130, 7, False)
    assert (read.loans_total, read.deposits_total) == (None, None)
    assert len(mocked.calls) == 3  # no page past the short one, even with 3 in flight


def test_a_loan_without_a_due_date_or_a_currency_is_still_counted(mocked, fake_api):
    odd = [
        {"id": "l1", "amount": "100.00", "outstandingBalance": "40.00", "status": "active"},
        {**LOAN, "id": "l2", "dueDate": None, "outstandingBalance": "60.00"},
        {**LOAN, "id": "l3", "dueDate": "not a date", "outstandingBalance": "1.00"},
    ]
    listed(mocked, fake_api, LOANS, [odd])
    listed(mocked, fake_api, DEPOSITS, [[{"id": "d1", "amount": "5.00", "status": "successful"}]])
    summary = summary_of(api.client_portfolio(client_id="c1"))
    assert [line.currency for line in summary.currencies] == ["NGN", ""]  # unknown last
    unknown, naira = summary.currency(""), summary.currency("NGN")
    assert (unknown.loans, unknown.outstanding, unknown.overdue_loans) == (1, Decimal(40), 0)
    assert (naira.loans, naira.outstanding, naira.overdue_loans) == (2, Decimal(61), 0)
    # A deposit without a date counts, but in no month and as no "last deposit".
    assert (unknown.deposits, unknown.received_12m, unknown.last_deposit_on) == (1, 0, None)


@pytest.mark.parametrize(
    "amount",
    ['"1' + "0" * 5000 + '"', "1" + "0" * 5000, "1e5000"],
    ids=["text", "number", "exponent"],
)
def test_a_5000_digit_amount_is_an_api_error_not_a_crash(mocked, fake_api, amount):
    body = '{"data": [{"id": "l1", "amount": ' + amount + '}], "meta": {"total": 1}}'
    mocked.get(f"{fake_api}{LOANS}", body=body, content_type="application/json")
    mocked.assert_all_requests_are_fired = False
    listed(mocked, fake_api, DEPOSITS, [[]])
    with pytest.raises(api.ApiError):
        api.client_portfolio(client_id="c1")


def test_an_unknown_client_is_not_found(mocked, fake_api):
    mocked.get(f"{fake_api}{LOANS}", status=404, json={"status": "error", "message": "no"})
    mocked.assert_all_requests_are_fired = False
    listed(mocked, fake_api, DEPOSITS, [[]])
    with pytest.raises(api.NotFound):
        api.client_portfolio(client_id="c1")


def test_a_failing_later_page_raises_the_api_error(mocked, fake_api, settings):
    settings.API_ATTEMPTS = 1
    mocked.get(
        f"{fake_api}{LOANS}",
        match=page_query(1),
        json=envelope(loans(100), page=1, perPage=100, total=150, totalPages=2),
    )
    mocked.get(f"{fake_api}{LOANS}", match=page_query(2), status=503)
    listed(mocked, fake_api, DEPOSITS, [[]])
    with pytest.raises(api.Unavailable):
        api.client_portfolio(client_id="c1")


def test_an_api_that_ignores_the_page_number_is_refused(mocked, fake_api):
    same = envelope(loans(100), page=1, perPage=100, total=200, totalPages=2)
    mocked.get(f"{fake_api}{LOANS}", json=same)
    listed(mocked, fake_api, DEPOSITS, [[]])
    with pytest.raises(api.BadResponse):
        api.client_portfolio(client_id="c1")


# --- the figures, from records made here -------------------------------------------


def loan_record(**fields) -> api.Loan:
    values = {"id": "l", "client_id": "c1", "reference": "LN", "currency": "NGN"}
    return api.Loan(**{"amount": Decimal(100), **values, **fields})


def deposit_record(amount: str, made: str, **fields) -> api.Deposit:
    values = {"id": "d", "client_id": "c1", "reference": "DP", "currency": "NGN"}
    moment = datetime.fromisoformat(made).replace(tzinfo=UTC)
    defaults = {"amount": Decimal(amount), "status": "successful", "created_at": moment}
    return api.Deposit(**{**defaults, **values, **fields})


def summarise(loans=(), deposits=()) -> portfolio.Summary:
    return portfolio.summarise(loans, deposits, today=TODAY, as_of=datetime.now(UTC))


def test_a_reversal_by_negative_amount_counts_as_one_marked_by_status():
    by_status = summarise(
        deposits=[
            deposit_record("300.00", "2026-10-02T10:00:00"),
            deposit_record("300.00", "2026-10-03T10:00:00", status="reversed"),
        ]
    ).currency("NGN")
    by_amount = summarise(
        deposits=[
            deposit_record("300.00", "2026-10-02T10:00:00"),
            deposit_record("300.00", "2026-10-03T10:00:00"),
            deposit_record("-300.00", "2026-10-03T11:00:00"),
        ]
    ).currency("NGN")
    for line in (by_status, by_amount):
        assert (line.reversals_12m, line.reversed_12m) == (1, Decimal("-300.00"))
        assert line.deposited_12m == Decimal("300.00")
        assert line.months[-2].reversals == Decimal("-300.00")


def test_the_twelve_months_end_with_todays_and_skip_older_deposits():
    line = summarise(
        deposits=[
            deposit_record("1.00", "2025-11-30T10:00:00"),  # thirteen months back: out
            deposit_record("2.00", "2025-12-01T10:00:00"),
            deposit_record("4.00", "2026-11-01T08:00:00"),
        ]
    ).currency("NGN")
    assert [month.month for month in line.months] == [
        date(2025, 12, 1),
        *(date(2026, month, 1) for month in range(1, 12)),
    ]
    assert (line.months[0].deposits, line.months[-1].deposits) == (Decimal(2), Decimal(4))
    assert line.received_12m == Decimal(6)
    assert (line.last_deposit_on, line.last_deposit_amount) == (date(2026, 11, 1), Decimal(4))


def test_sums_of_the_widest_amounts_are_exact():
    widest = Decimal("12345678901234567890.123456789012")  # what records.py still accepts
    line = summarise(loans=[loan_record(outstanding_balance=widest, id=str(n)) for n in range(3)])
    # Three times the widest is 33 digits: the default context's 28 would round it.
    assert line.currency("NGN").outstanding == Decimal("37037036703703703670.370370367036")


def test_currencies_are_told_apart_whatever_their_case():
    summary = summarise(
        loans=[loan_record(currency="usd"), loan_record(currency=" USD"), loan_record()]
    )
    assert [(line.currency, line.loans) for line in summary.currencies] == [
        ("NGN", 1),
        ("USD", 2),
    ]
