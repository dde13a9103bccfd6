"""The eight endpoints: the exact requests the service module sends and what it returns."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from django.conf import settings
from requests.utils import default_headers
from responses import matchers

from dashboard import api
from dashboard.api import transport
from dashboard.api.clients import segment
from tests.canary import CANARY

CLIENT = {
    "id": "65a1f0c2e4b0a1b2c3d4e5f6",
    "clientRef": "CL-000042",
    "firstName": "Ngozi",
    "lastName": "Okonkwo",
    "middleName": None,
    "dob": "1988-04-02",
    "image": None,
    "address": "12 Allen Avenue",
    "city": "Ikeja",
    "state": "Lagos",
    "country": "Nigeria",
    "phoneNumber": "+2348031234567",
    "email": "ngozi@example.com",
    "customData": {"segment": "sme"},
    "createdAt": "2024-03-01T10:00:00.000Z",
    "updatedAt": "2024-03-02T11:30:00Z",
}
LOAN = {
    "id": "l1", "clientId": CLIENT["id"], "reference": "LN-1", "amount": "250000.00",
    "currency": "NGN", "interestRate": "24.50", "tenureMonths": 12,
    "outstandingBalance": "120000.10", "status": "active", "disbursedAt": "2025-01-05T09:00:00Z",
    "dueDate": "2026-01-05", "createdAt": "2025-01-04T09:00:00Z",
}  # fmt: skip
DEPOSIT = {
    "id": "d1", "clientId": CLIENT["id"], "reference": "DP-1", "amount": "5000.50",
    "currency": "NGN", "channel": "ussd", "status": "successful", "narration": "Savings",
    "createdAt": "2025-02-01T08:00:00Z",
}  # fmt: skip


def envelope(data, **meta):
    body = {"status": "success", "message": "ok", "data": data}
    if meta:
        body["meta"] = meta
    return body


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def sent_headers(call) -> dict:
    return call.request.headers


def test_list_sends_page_params_bearer_and_user_agent(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients",
        match=[matchers.query_param_matcher({"page": "2", "perPage": "25"})],
        json=envelope([CLIENT], page=2, perPage=25, total=1234, totalPages=50),
    )
    page = api.client_list(page=2, per_page=25)

    headers = sent_headers(mocked.calls[0])
    assert headers["Authorization"] == f"Bearer {CANARY}"
    assert headers["User-Agent"].startswith("lender-dashboard/")
    assert headers["Accept"] == "application/json"
    assert mocked.calls[0].request.req_kwargs["timeout"] == (2.0, 4.0)
    assert (page.page, page.per_page, page.total, page.total_pages) == (2, 25, 1234, 50)
    assert page.has_previous and page.has_next
    assert (page.first_index, page.last_index) == (26, 26)
    client = page.items[0]
    assert client.client_ref == "CL-000042"
    assert client.dob == date(1988, 4, 2)
    assert client.created_at.isoformat() == "2024-03-01T10:00:00+00:00"
    assert client.custom_data == {"segment": "sme"}
    assert client.full_name == "Ngozi Okonkwo"


def test_list_refuses_out_of_contract_paging_before_calling(mocked):
    with pytest.raises(ValueError, match="per_page"):
        api.client_list(page=1, per_page=101)
    with pytest.raises(ValueError, match="page"):
        api.client_list(page=0, per_page=10)
    assert len(mocked.calls) == 0


def test_get_by_reference_returns_the_client(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope(CLIENT))
    assert api.client_get(client_ref="CL-000042").id == CLIENT["id"]


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, envelope([])), (404, {"status": "error", "message": "Client not found"})],
)
def test_get_of_unknown_reference_is_not_found(mocked, fake_api, status, body):
    mocked.get(f"{fake_api}/v1/clients/CL-999999", status=status, json=body)
    with pytest.raises(api.NotFound):
        api.client_get(client_ref="CL-999999")


def test_get_picks_the_exact_reference_from_a_list_answer(mocked, fake_api):
    other = {**CLIENT, "id": "x", "clientRef": "CL-0000421"}
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope([other, CLIENT]))
    assert api.client_get(client_ref="CL-000042").id == CLIENT["id"]


def test_search_with_a_reference_is_exact(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope(CLIENT))
    result = api.client_search(term="CL-000042")
    assert result.exact
    assert [client.client_ref for client in result.clients] == ["CL-000042"]


def test_search_with_a_name_lists_matches(mocked, fake_api):
    second = {**CLIENT, "id": "2", "clientRef": "CL-000043", "firstName": "Ngozika"}
    mocked.get(f"{fake_api}/v1/clients/ngozi", json=envelope([CLIENT, second]))
    result = api.client_search(term="  ngozi ")
    assert not result.exact
    assert [client.id for client in result.clients] == [CLIENT["id"], "2"]


@pytest.mark.parametrize(
    ("term", "path"),
    [
        ("a/b?c", "/v1/clients/a%2Fb%3Fc"),
        ("Ọlá&co%", "/v1/clients/%E1%BB%8Cl%C3%A1%26co%25"),
        ("#1 Ọlá&co", "/v1/clients/%E1%BB%8Cl%C3%A1%26co"),  # the longest word is asked
    ],
)
def test_search_terms_are_one_encoded_path_segment(mocked, fake_api, term, path):
    mocked.get(f"{fake_api}{path}", json=envelope([]))
    assert api.client_search(term=term).clients == []
    assert mocked.calls[0].request.path_url == path


def test_dot_segments_are_never_sent(mocked):
    # requests would turn "/v1/clients/.." into "/v1/": another endpoint.
    assert api.client_search(term="..").clients == []
    with pytest.raises(api.NotFound):
        api.client_get(client_ref=".")
    with pytest.raises(api.NotFound):
        api.client_loans(client_id="..")
    assert len(mocked.calls) == 0


def test_empty_search_term_is_refused(mocked):
    with pytest.raises(ValueError, match="term"):
        api.client_search(term="   ")


def test_loans_are_paginated_and_typed(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients/{CLIENT['id']}/loans",
        match=[matchers.query_param_matcher({"page": "1", "perPage": "10"})],
        json=envelope([LOAN], page=1, perPage=10, total=1, totalPages=1),
    )
    page = api.client_loans(client_id=CLIENT["id"], page=1, per_page=10)
    loan = page.items[0]
    assert loan.amount == Decimal("250000.00")
    assert loan.interest_rate == Decimal("24.50")
    assert loan.outstanding_balance == Decimal("120000.10")
    assert loan.tenure_months == 12
    assert loan.due_date == date(2026, 1, 5)
    assert not page.has_next


def test_deposits_are_paginated_and_typed(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients/{CLIENT['id']}/deposits",
        match=[matchers.query_param_matcher({"page": "3", "perPage": "25"})],
        json=envelope([DEPOSIT], page=3, perPage=25, total=51, totalPages=3),
    )
    deposit = api.client_deposits(client_id=CLIENT["id"], page=3).items[0]
    assert deposit.amount == Decimal("5000.50")
    assert (deposit.channel, deposit.status, deposit.narration) == (
        "ussd",
        "successful",
        "Savings",
    )


def test_create_posts_the_documented_body_with_custom_data_as_text(mocked, fake_api):
    mocked.post(f"{fake_api}/v1/clients", status=201, json=envelope(CLIENT))
    created = api.client_create(
        fields={
            "first_name": "Ngozi",
            "last_name": "Okonkwo",
            "dob": date(1988, 4, 2),
            "address": "12 Allen Avenue",
            "state": "Lagos",
            "country": "Nigeria",
            "email": "ngozi@example.com",
            "custom_data": {"segment": "sme"},
        },
        idempotency_key="3f1c-create",
    )
    assert created.client_ref == "CL-000042"
    assert json.loads(mocked.calls[0].request.body) == {
        "firstName": "Ngozi",
        "lastName": "Okonkwo",
        "dob": "1988-04-02",
        "address": "12 Allen Avenue",
        "state": "Lagos",
        "country": "Nigeria",
        "email": "ngozi@example.com",
        "customData": '{"segment":"sme"}',
    }
    assert mocked.calls[0].request.headers["Content-Type"] == "application/json"
    assert mocked.calls[0].request.headers["Idempotency-Key"] == "3f1c-create"


def test_update_patches_by_id_with_custom_data_as_object(mocked, fake_api):
    mocked.patch(f"{fake_api}/v1/clients/{CLIENT['id']}", json=envelope(CLIENT))
    api.client_update(
        client_id=CLIENT["id"],
        changes={"last_name": "Okonkwo", "custom_data": {"segment": "sme"}, "city": None},
        current={
            "first_name": "Ngozi",
            "last_name": "Okafor",
            "dob": date(1988, 4, 2),
            "address": "7 Awolowo Road",
            "city": "Ikoyi",
        },
    )
    # The changes, and the fields the API requires on every PATCH as they are: no more.
    assert json.loads(mocked.calls[0].request.body) == {
        "firstName": "Ngozi",
        "lastName": "Okonkwo",
        "dob": "1988-04-02",
        "customData": {"segment": "sme"},
        "city": None,
    }


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"first_name": "A", "last_name": "B", "dob": "2000-01-01", "id": "x"},
            "not writable: id",
        ),
        ({"first_name": "A", "last_name": "B", "dob": "2000-01-01", "status": "x"}, "status"),
        ({"first_name": "A", "last_name": "", "dob": "2000-01-01"}, "required: last_name"),
    ],
)
def test_writes_send_only_allowlisted_complete_fields(mocked, fields, problem):
    with pytest.raises(ValueError, match=problem):
        api.client_update(client_id="abc", changes=fields, current={})
    assert len(mocked.calls) == 0


def test_create_requires_address_state_and_country(mocked):
    with pytest.raises(ValueError, match="required: address, state, country"):
        api.client_create(
            fields={"first_name": "A", "last_name": "B", "dob": "2000-01-01"}, idempotency_key="k"
        )


@pytest.mark.parametrize(("status", "body"), [(200, envelope(None)), (204, None)])
def test_delete_by_id(mocked, fake_api, status, body):
    mocked.delete(f"{fake_api}/v1/clients/{CLIENT['id']}", status=status, json=body)
    assert api.client_delete(client_id=CLIENT["id"]) is None


def test_every_page_iterator_reads_all_pages_in_order(mocked, fake_api):
    for number in (1, 2, 3):
        mocked.get(
            f"{fake_api}/v1/clients",
            match=[matchers.query_param_matcher({"page": str(number), "perPage": "100"})],
            json=envelope(
                [{**CLIENT, "id": f"c{number}"}], page=number, perPage=100, total=3, totalPages=3
            ),
        )
    ids = [client.id for page in api.clients_pages() for client in page.items]
    assert ids == ["c1", "c2", "c3"]


def test_every_page_iterator_stops_an_api_that_ignores_page(mocked, fake_api):
    full = [{**CLIENT, "id": f"c{n}"} for n in range(2)]
    mocked.get(f"{fake_api}/v1/clients/{CLIENT['id']}/loans", json=full)
    pages = api.client_loans_pages(client_id=CLIENT["id"], per_page=2)
    next(pages)
    with pytest.raises(api.BadResponse, match="same page twice"):
        next(pages)


def test_calls_are_sent_as_a_requests_session_sends_them(mocked, fake_api):
    # transport._prepared builds what Session.request built: the session's headers under
    # the call's own, the key, the query string, and a cookie the API set sent back.
    mocked.get(
        f"{fake_api}/v1/clients",
        json=envelope([CLIENT], page=1, perPage=10, total=1, totalPages=1),
        headers={"Set-Cookie": "route=blue; Path=/"},
    )
    mocked.get(
        f"{fake_api}/v1/clients",
        match=[matchers.query_param_matcher({"page": "1", "perPage": "10"})],
        json=envelope([CLIENT], page=1, perPage=10, total=1, totalPages=1),
    )
    api.client_list(page=1, per_page=10)
    api.client_list(page=1, per_page=10)

    first, second = (call.request for call in mocked.calls)
    assert first.url == f"{fake_api}/v1/clients?page=1&perPage=10"
    assert first.headers["Accept-Encoding"] == default_headers()["Accept-Encoding"]
    assert first.headers["Authorization"] == f"Bearer {CANARY}"
    assert "Cookie" not in first.headers
    assert second.headers["Cookie"] == "route=blue"


@pytest.mark.parametrize(
    ("method", "params", "body", "headers"),
    [
        ("GET", {"page": 2, "perPage": 25, "q": "Ọlá & co"}, None, {"X-Request-ID": "r-1"}),
        ("POST", None, {"firstName": "Ada", "amount": "1.50"}, {"Idempotency-Key": "k-1"}),
        ("PATCH", None, {"city": "Ikeja"}, {"accept": "text/plain", "User-Agent": None}),
        ("DELETE", None, None, None),
    ],
)
def test_a_call_is_prepared_as_session_request_prepares_it(method, params, body, headers):
    session = transport.session()
    session.cookies.set("route", "blue")
    try:
        ours, theirs = prepared_both_ways(
            session, method, "/v1/clients/CL-1", params, headers, body
        )
    finally:
        session.cookies.clear()
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.headers["Authorization"] == f"Bearer {CANARY}"
    assert ours.headers["Cookie"] == "route=blue"


def prepared_both_ways(session, method, path, params, headers=None, body=None):
    """The call as transport._prepared makes it, and as Session.prepare_request would."""
    ours = transport._prepared(session, method, path, params, body, headers)
    theirs = session.prepare_request(
        requests.Request(
            method, settings.API_BASE_URL + path, params=params, json=body, headers=headers
        )
    )
    return ours, theirs


def same_request(ours, theirs) -> bool:
    return (ours.method, ours.url, ours.body, dict(ours.headers), ours.hooks) == (
        theirs.method,
        theirs.url,
        theirs.body,
        dict(theirs.headers),
        theirs.hooks,
    )


# Characters a reference, a search or a query value may hold: quoting's edge cases
# (reserved, unreserved, percent signs, spaces, plus signs, non-ASCII, dots).
ALPHABET = "aZ09-._~!*'();:@&=+$,/?#[]% \"<>{}|^`\tÀọ€😀"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_call_without_a_body_or_cookies_is_prepared_as_session_request_does(method):
    # transport._prepared_bare writes these itself, without prepare()'s URL checks.
    chosen = random.Random(20261202)
    session = transport.session()
    assert not session.cookies
    for _ in range(300):
        value = "".join(chosen.choice(ALPHABET) for _ in range(chosen.randint(1, 12)))
        if value in (".", ".."):
            continue
        path = f"/v1/clients/{segment(value)}/loans"
        params = chosen.choice(
            [None, {}, {"page": chosen.randint(1, 10**6), "perPage": 25}, {"q": value, "n": 0}]
        )
        headers = chosen.choice([None, {"X-Request-ID": "r-0001"}, {"Accept": None}])
        ours, theirs = prepared_both_ways(session, method, path, params, headers)
        assert same_request(ours, theirs), (path, params, headers)
        assert ours.headers["Authorization"] == f"Bearer {CANARY}"


@pytest.mark.parametrize(
    "base",
    [
        "http://api.test",
        "http://api.test/",
        "https://api.test:8443/lender",
        "https://bücher.example/v",
        "HTTPS://API.TEST",
    ],
)
def test_any_base_url_is_written_as_prepare_writes_it(settings, base):
    settings.API_BASE_URL = base
    ours, theirs = prepared_both_ways(transport.session(), "GET", "/v1/clients", {"page": 2})
    assert same_request(ours, theirs)
