"""The envelope and field variants the contract lists, each proved by a test."""

from decimal import Decimal

import pytest
import responses

from dashboard import api
from tests.api.test_endpoints import CLIENT, LOAN


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock() as mock:
        yield mock


def test_mongoose_paginate_envelope(mocked, fake_api):
    body = {
        "status": "success",
        "data": {"docs": [CLIENT], "totalDocs": 51, "limit": 25, "page": 2, "totalPages": 3},
    }
    mocked.get(f"{fake_api}/v1/clients", json=body)
    page = api.client_list(page=2, per_page=25)
    assert (page.total, page.total_pages, page.page, page.per_page) == (51, 3, 2, 25)
    assert page.has_next and page.items[0].client_ref == "CL-000042"


def test_mongoose_paginate_object_without_wrapper(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", json={"docs": [CLIENT], "totalDocs": 1, "limit": 10})
    page = api.client_list(page=1, per_page=10)
    assert (page.total, page.total_pages) == (1, 1)


def test_bare_list_has_no_totals_and_ends_on_a_short_page(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", json=[CLIENT, {**CLIENT, "id": "b"}])
    full = api.client_list(page=1, per_page=2)
    assert full.total is None and full.has_next
    mocked.replace(responses.GET, f"{fake_api}/v1/clients", json=[CLIENT])
    short = api.client_list(page=2, per_page=2)
    assert not short.has_next and short.has_previous


def test_meta_total_without_total_pages_is_derived(mocked, fake_api):
    body = {"data": [CLIENT], "meta": {"total": 51, "page": 1, "perPage": 25}}
    mocked.get(f"{fake_api}/v1/clients", json=body)
    assert api.client_list().total_pages == 3


def test_underscore_id_is_accepted(mocked, fake_api):
    raw = {key: value for key, value in CLIENT.items() if key != "id"} | {"_id": "mongo-id"}
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json={"data": raw})
    assert api.client_get(client_ref="CL-000042").id == "mongo-id"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("250000.00", Decimal("250000.00")),
        (250000.1, Decimal("250000.1")),
        (250000, Decimal(250000)),
        ("0.10", Decimal("0.10")),
    ],
)
def test_money_as_string_or_number_becomes_decimal(mocked, fake_api, raw, expected):
    mocked.get(f"{fake_api}/v1/clients/c/loans", json={"data": [{**LOAN, "amount": raw}]})
    amount = api.client_loans(client_id="c").items[0].amount
    assert isinstance(amount, Decimal)
    assert amount == expected


def test_a_float_amount_keeps_its_exact_digits(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients/c/loans",
        body='{"data": [{"id": "x", "amount": 12345678901234567.89, "currency": "NGN"}]}',
        content_type="application/json",
    )
    assert str(api.client_loans(client_id="c").items[0].amount) == "12345678901234567.89"


def test_custom_data_as_json_string_is_read_as_object(mocked, fake_api):
    raw = {**CLIENT, "customData": '{"segment": "sme", "kyc": {"tier": 2}}'}
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json={"data": raw})
    assert api.client_get(client_ref="CL-000042").custom_data == {
        "segment": "sme",
        "kyc": {"tier": 2},
    }


def test_unknown_fields_are_kept_not_fatal(mocked, fake_api):
    raw = {**CLIENT, "riskScore": 712, "branch": {"code": "IKJ"}}
    body = {"status": "success", "data": [raw], "meta": {"total": 1}, "traceId": "abc"}
    mocked.get(f"{fake_api}/v1/clients", json=body)
    client = api.client_list().items[0]
    assert client.extra == {"riskScore": 712, "branch": {"code": "IKJ"}}


def test_missing_optional_fields_and_nulls(mocked, fake_api):
    raw = {
        "id": "1",
        "clientRef": "CL-1",
        "firstName": "Ada",
        "lastName": "Obi",
        "middleName": None,
    }
    mocked.get(f"{fake_api}/v1/clients/CL-1", json={"data": raw})
    client = api.client_get(client_ref="CL-1")
    assert client.custom_data == {}
    assert client.email is None and client.dob is None


def test_an_unreadable_date_shows_blank_rather_than_hiding_the_page(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", json={"data": [{**CLIENT, "dob": "02/04/1988"}]})
    assert api.client_list().items[0].dob is None


@pytest.mark.parametrize(
    ("body", "shape"),
    [
        ({"status": "success", "data": {"clients": []}}, "an object with data, status"),
        ({"result": []}, "an object with result"),
        ("just text", "a str"),
    ],
)
def test_unknown_shapes_are_a_bad_response_that_names_the_shape(mocked, fake_api, body, shape):
    mocked.get(f"{fake_api}/v1/clients", json=body)
    with pytest.raises(api.BadResponse, match=shape):
        api.client_list()


def test_unreadable_money_is_a_bad_response(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/c/loans", json={"data": [{**LOAN, "amount": "lots"}]})
    with pytest.raises(api.BadResponse, match="amount"):
        api.client_loans(client_id="c")


def test_a_client_without_id_is_a_bad_response(mocked, fake_api):
    raw = {key: value for key, value in CLIENT.items() if key != "id"}
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json={"data": raw})
    with pytest.raises(api.BadResponse, match="without id"):
        api.client_get(client_ref="CL-000042")
