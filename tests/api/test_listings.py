"""Listings: one page of a paginated endpoint by its number, and where the list ends."""

import pytest
import responses
from responses import matchers

from dashboard import api
from dashboard.api.records import ParsedOnRead
from tests.api.test_endpoints import CLIENT, DEPOSIT, LOAN, envelope
from tests.canary import CANARY


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_a_page_of_the_client_list_is_asked_for_by_number(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients",
        match=[matchers.query_param_matcher({"page": "3", "perPage": "100"})],
        json=envelope([CLIENT], page=3, perPage=100, total=1234, totalPages=13),
    )
    page = api.clients_listing(per_page=100).page(3)
    [call] = mocked.calls
    assert call.request.method == "GET"
    assert call.request.url == f"{fake_api}/v1/clients?page=3&perPage=100"
    assert call.request.headers["Authorization"] == f"Bearer {CANARY}"
    assert (page.page, page.per_page, page.total, page.total_pages) == (3, 100, 1234, 13)
    assert isinstance(page.items, ParsedOnRead)  # parsed by the writer, not the fetcher
    assert page.items[0].client_ref == "CL-000042"


@pytest.mark.parametrize(
    ("listing", "kind", "record"),
    [
        (api.client_loans_listing, "loans", LOAN),
        (api.client_deposits_listing, "deposits", DEPOSIT),
    ],
)
def test_account_listings_ask_for_the_clients_page(mocked, fake_api, listing, kind, record):
    mocked.get(
        f"{fake_api}/v1/clients/a%2Fb/{kind}",
        match=[matchers.query_param_matcher({"page": "2", "perPage": "50"})],
        json=envelope([record], page=2, perPage=50, total=51, totalPages=2),
    )
    page = listing(client_id="a/b", per_page=50).page(2)
    assert mocked.calls[0].request.url == f"{fake_api}/v1/clients/a%2Fb/{kind}?page=2&perPage=50"
    assert page.items[0].reference == record["reference"]
    assert api.is_last_page(page)


def test_a_404_ends_the_client_list(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", status=404, json={"status": "error"})
    page = api.clients_listing(per_page=100).page(7)
    assert (list(page.items), page.page) == ([], 7)
    assert api.is_last_page(page)


def test_a_404_on_loans_is_a_missing_client(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/c1/loans", status=404, json={"status": "error"})
    with pytest.raises(api.NotFound):
        api.client_loans_listing(client_id="c1", per_page=100).page(2)


def page_of(items: list, *, number: int = 1, per_page: int = 2, total_pages: int | None = None):
    raw = ParsedOnRead(items, dict)
    total = None if total_pages is None else total_pages * per_page
    return api.Page(
        items=raw, page=number, per_page=per_page, total=total, total_pages=total_pages
    )


@pytest.mark.parametrize(
    ("page", "last"),
    [
        (page_of([], total_pages=5), True),  # past the end: empty, whatever the totals say
        (page_of([{"id": 1}, {"id": 2}], number=5, total_pages=5), True),
        (page_of([{"id": 1}, {"id": 2}], number=4, total_pages=5), False),
        (page_of([{"id": 1}]), True),  # a bare list: short is the end
        (page_of([{"id": 1}, {"id": 2}]), False),  # a bare list: full, more may follow
    ],
)
def test_where_the_list_ends(page, last):
    assert api.is_last_page(page) is last


def test_the_same_page_twice_is_refused():
    first = page_of([{"id": "a"}, {"id": "b"}])
    api.check_page_follows(first, page_of([{"_id": "c"}], number=2))
    with pytest.raises(api.BadResponse, match="same page twice"):
        api.check_page_follows(first, page_of([{"id": "a"}, {"id": "b"}], number=2))
