"""X-Request-ID: the proxy's when well formed, a new one otherwise; on every response, and on
every Clients API call the request causes, the export's page-fetching threads included."""

import re
import uuid

import pytest
from django.test import Client

NEW_ID = re.compile(r"[0-9a-f]{32}")


def request_id_of(response) -> str:
    return response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "given",
    ["abcd1234", "edge-7f3a.2024:01_x", "a" * 128, str(uuid.uuid4())],
    ids=["shortest", "every allowed character", "longest", "uuid"],
)
def test_a_well_formed_id_from_the_proxy_is_echoed(db, given):
    response = Client().get("/accounts/login/", headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert request_id_of(response) == given


@pytest.mark.parametrize(
    "given",
    [
        "a" * 129,
        "short",
        "abcd\x01efgh",
        "abcdefgh\n",
        "abcd\r\nSet-Cookie: x=1",
        "abcd efgh",
        "abcd/efgh",
        "ünïcödé-request",
        "",
    ],
    ids=[
        "too long",
        "too short",
        "control character",
        "trailing newline",
        "header injection",
        "space",
        "slash",
        "non-ascii",
        "empty",
    ],
)
def test_an_ill_formed_id_is_replaced_by_a_new_one(db, given):
    response = Client().get("/accounts/login/", headers={"X-Request-ID": given})
    assert NEW_ID.fullmatch(request_id_of(response))


def test_without_an_id_each_request_gets_its_own(db):
    client = Client()
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert NEW_ID.fullmatch(request_id_of(first))
    assert request_id_of(first) != request_id_of(second)


def test_error_pages_and_redirects_carry_it_too(viewer_client):
    for path in ("/no-such-page/", "/"):
        response = viewer_client.get(path, headers={"X-Request-ID": "error-page-0001"})
        assert response.status_code in (404, 302)
        assert request_id_of(response) == "error-page-0001"


def test_the_id_goes_with_every_api_call_of_a_page(viewer_client, sandbox):
    response = viewer_client.get("/clients/CL-000017/", headers={"X-Request-ID": "detail-0001"})
    assert response.status_code == 200
    received = sandbox.received()
    assert received
    assert {call["request_id"] for call in received} == {"detail-0001"}


def test_a_made_up_id_goes_to_the_api_too(viewer_client, sandbox):
    response = viewer_client.get("/clients/?q=okafor", headers={"HX-Request": "true"})
    assert {call["request_id"] for call in sandbox.received()} == {request_id_of(response)}


def test_the_export_page_fetchers_send_the_exports_id(manager_client, sandbox, settings):
    settings.EXPORT_PAGE_SIZE = 100
    response = manager_client.get("/clients/export.csv", headers={"X-Request-ID": "export-0001"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    received = sandbox.received()
    # The view reads page 1; pages 2 onwards are fetched on the page-fetching threads.
    pages = {call["query"]["page"] for call in received}
    assert {"1", "2", "3"} <= pages
    assert {call["request_id"] for call in received} == {"export-0001"}


def test_api_calls_outside_any_request_carry_no_id(sandbox):
    from dashboard import api

    api.client_list(page=1, per_page=1)
    assert [call["request_id"] for call in sandbox.received()] == [None]
