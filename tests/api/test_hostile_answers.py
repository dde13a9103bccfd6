"""Whatever the API answers, the service module raises an ApiError or returns records.

Deep nesting, numbers of thousands of digits, wrong types, huge and endless
bodies, answers dripped a byte at a time: none may escape as another exception
or hold a worker past its deadline.
"""

import threading
import time

import pytest
import responses

from dashboard import api
from dashboard.api import deadlines
from tests.upstreams import DripServer, EndlessServer

CLIENT = {"id": "c1", "clientRef": "CL-1", "firstName": "Ada", "lastName": "Obi"}
LOAN = {"id": "l1", "amount": "100.00", "currency": "NGN"}


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# Every read, with the URL the API is asked and the call that asks it.
READS = {
    "list": ("/v1/clients", lambda: api.client_list()),
    "get": ("/v1/clients/CL-1", lambda: api.client_get(client_ref="CL-1")),
    "search": ("/v1/clients/ada", lambda: api.client_search(term="ada")),
    "loans": ("/v1/clients/c1/loans", lambda: api.client_loans(client_id="c1")),
    "deposits": ("/v1/clients/c1/deposits", lambda: api.client_deposits(client_id="c1")),
}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("read", READS)
def test_json_nested_5000_deep_is_a_bad_response_on_every_read(mocked, fake_api, read):
    path, call = READS[read]
    mocked.get(f"{fake_api}{path}", body=f'{{"data": {nested(5000)}}}', status=200)
    with pytest.raises(api.BadResponse):
        call()


@pytest.mark.parametrize("read", READS)
def test_an_integer_of_5000_digits_is_a_bad_response_on_every_read(mocked, fake_api, read):
    path, call = READS[read]
    mocked.get(f"{fake_api}{path}", body='{"data": [], "meta": {"total": 1' + "0" * 5000 + "}}")
    with pytest.raises(api.BadResponse):
        call()


@pytest.mark.parametrize(
    "loan",
    [
        {**LOAN, "tenureMonths": "1e5000"},
        {**LOAN, "amount": "1e5000"},
        {**LOAN, "amount": "1" * 5000},
        {**LOAN, "interestRate": "0." + "0" * 4000 + "1"},
        {**LOAN, "amount": {"value": 1}},
        {**LOAN, "amount": True},
        {**LOAN, "status": ["active"]},
    ],
)
def test_unusable_loan_values_are_a_bad_response(mocked, fake_api, loan):
    mocked.get(f"{fake_api}/v1/clients/c1/loans", json={"data": [loan]})
    with pytest.raises(api.BadResponse):
        api.client_loans(client_id="c1")


def test_a_number_1e5000_in_the_json_itself_is_a_bad_response(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients/c1/loans",
        body='{"data": [{"id": "l1", "amount": 1e5000, "currency": "NGN"}]}',
    )
    with pytest.raises(api.BadResponse):
        api.client_loans(client_id="c1")


@pytest.mark.parametrize(
    "body",
    [
        {"data": [None]},
        {"data": [1, "two"]},
        {"data": "clients"},
        {"data": {"docs": "not a list"}},
        {"data": [{"id": {"nested": 1}, "clientRef": "x"}]},
        {"data": [{"id": "x", "clientRef": None}]},
        None,
        "a string",
        12,
    ],
)
def test_wrong_types_in_a_list_are_a_bad_response(mocked, fake_api, body):
    mocked.get(f"{fake_api}/v1/clients", json=body)
    with pytest.raises(api.BadResponse):
        api.client_list()


def test_nonsense_paging_figures_are_ignored_not_trusted(mocked, fake_api):
    meta = {"page": -3, "perPage": "lots", "total": 10**20, "totalPages": None}
    mocked.get(f"{fake_api}/v1/clients", json={"data": [CLIENT], "meta": meta})
    page = api.client_list(page=1, per_page=25)
    assert (page.page, page.per_page, page.total) == (1, 25, None)


def test_custom_data_nested_deeply_leaves_the_client_readable(mocked, fake_api):
    deep = '{"a": ' * 500 + "1" + "}" * 500
    body = f'{{"data": {{"id": "c1", "clientRef": "CL-1", "customData": {deep}}}}}'
    mocked.get(f"{fake_api}/v1/clients/CL-1", body=body)
    client = api.client_get(client_ref="CL-1")
    assert client.custom_data == {}
    assert client.first_name == ""


def test_custom_data_as_a_string_of_deep_json_leaves_the_client_readable(mocked, fake_api):
    raw = {**CLIENT, "customData": nested(5000)}
    mocked.get(f"{fake_api}/v1/clients/CL-1", json={"data": raw})
    assert api.client_get(client_ref="CL-1").custom_data == {}


def test_timestamps_out_of_range_show_as_blank(mocked, fake_api):
    raw = {**CLIENT, "createdAt": "9999-12-31T23:59:59+00:00", "dob": "0001-01-01"}
    mocked.get(f"{fake_api}/v1/clients/CL-1", json={"data": raw})
    client = api.client_get(client_ref="CL-1")
    assert client.created_at is None and client.dob is None


def test_error_bodies_with_nested_messages_keep_only_text(mocked, fake_api):
    body = {
        "message": "Invalid",
        "errors": {"email": [["deep", ["er"]], {"x": 1}], "dob": ["bad"]},
    }
    mocked.post(f"{fake_api}/v1/clients", status=422, json=body)
    fields = {"first_name": "A", "last_name": "B", "dob": "2000-01-01"}
    fields |= {"address": "x", "state": "y", "country": "z"}
    with pytest.raises(api.ValidationFailed) as caught:
        api.client_create(fields=fields, idempotency_key="k")
    assert caught.value.errors == {"dob": ["bad"]}


@pytest.mark.parametrize("read", ["list", "search"])
def test_a_404_on_the_list_or_a_search_is_an_empty_result(mocked, fake_api, read):
    path, call = READS[read]
    mocked.get(f"{fake_api}{path}", status=404, json={"status": "error", "message": "No match"})
    result = call()
    assert list(result.clients if read == "search" else result.items) == []


def test_a_404_on_loans_is_still_not_found(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/c1/loans", status=404, json={})
    with pytest.raises(api.NotFound):
        api.client_loans(client_id="c1")


# --- size ------------------------------------------------------------------------


def test_a_declared_body_over_the_cap_is_refused(mocked, fake_api, settings):
    settings.API_MAX_RESPONSE_BYTES = 1000
    mocked.get(f"{fake_api}/v1/clients", json={"data": [CLIENT] * 100})
    with pytest.raises(api.BadResponse, match="MB it accepts"):
        api.client_list()


def test_an_endless_body_is_refused_without_reading_it_whole(settings):
    server = EndlessServer()
    settings.API_BASE_URL = server.url
    settings.API_MAX_RESPONSE_BYTES = 1_000_000
    try:
        started = time.monotonic()
        with pytest.raises(api.BadResponse, match="MB it accepts"):
            api.client_list()
        assert time.monotonic() - started < 5
        assert server.bytes_sent < 20_000_000  # it stopped reading near the cap
    finally:
        server.close()


# --- time ------------------------------------------------------------------------


@pytest.fixture
def dripping(settings):
    servers = []

    def start(**options) -> DripServer:
        server = DripServer(**options)
        servers.append(server)
        settings.API_BASE_URL = server.url
        settings.API_TIMEOUT = (1, 1)  # each byte comes well within the read timeout
        settings.API_BACKOFF = 0
        settings.API_CALL_DEADLINE = 1.5
        return server

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_an_api_dripping_its_answer_is_cut_at_the_call_deadline(dripping, drip):
    server = dripping(interval=0.1, drip=drip)
    started = time.monotonic()
    with pytest.raises(api.Unavailable, match="in time"):
        api.client_list()
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 2.5  # the deadline, not 100 bytes x 0.1 s = 10 s
    assert server.requests == 1  # no retry is started after the deadline


def test_the_deadline_covers_retries(dripping, settings):
    server = dripping(interval=1.0)
    settings.API_ATTEMPTS = 5
    settings.API_TIMEOUT = (1, 0.3)  # every attempt times out on its first slow byte
    started = time.monotonic()
    with pytest.raises(api.Unavailable):
        api.client_list()
    assert time.monotonic() - started < 2.5  # 5 attempts x 0.3 s would be fine, 5 x 1.3 not
    assert server.requests >= 2  # retried while time was left


def test_a_dripped_write_has_an_unknown_outcome(dripping):
    dripping(interval=0.1)
    fields = {"first_name": "A", "last_name": "B", "dob": "2000-01-01"}
    with pytest.raises(api.OutcomeUnknown):
        api.client_update(client_id="c1", changes={"first_name": "C"}, current=fields)


def test_calls_of_one_request_share_its_budget(dripping, settings):
    dripping(interval=0.1)
    settings.API_CALL_DEADLINE = 5
    started = time.monotonic()
    with deadlines.request_budget(1.0):
        with pytest.raises(api.Unavailable):
            api.client_list()
        with pytest.raises(api.Unavailable, match="too slowly"):
            api.client_list()  # no time left: not even started
    assert time.monotonic() - started < 1.6


def test_a_fast_api_is_unaffected_by_the_deadline_machinery(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", json={"data": [CLIENT], "meta": {"total": 1}})
    with deadlines.request_budget(5):
        assert api.client_list().items[0].client_ref == "CL-1"
    assert deadlines.remaining() is None  # nothing left behind on the thread


def test_a_slow_api_holds_at_most_its_slots_and_the_next_call_fails_fast(dripping, settings):
    dripping(interval=0.1)
    settings.API_CONCURRENT_CALLS = 2
    settings.API_CALL_DEADLINE = 3
    outcomes: list[type] = []
    stuck = [threading.Thread(target=list_into, args=(outcomes,)) for _ in range(2)]
    for thread in stuck:
        thread.start()
    slots = deadlines._slots()
    wait_until(lambda: slots._value == 0)  # both are waiting on the API now
    started = time.monotonic()
    with pytest.raises(api.Unavailable, match="waiting on it for other pages"):
        api.client_list()
    assert time.monotonic() - started < 1.5
    for thread in stuck:
        thread.join()
    assert outcomes == [api.Unavailable, api.Unavailable]  # they ended by the deadline
    assert slots._value == 2  # and gave their slots back


def list_into(outcomes: list) -> None:
    try:
        api.client_list()
    except api.ApiError as error:
        outcomes.append(type(error))


def wait_until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_custom_data_is_read_to_its_depth_limit_and_no_further(mocked, fake_api):
    # The root object is level 0: containers down to level 19 are kept, one at 20 is not.
    deepest_kept = '{"a": ' * 19 + "[1.25]" + "}" * 19  # the list is at level 19
    too_deep = '{"a": ' * 19 + '[{"n": 1.25}]' + "}" * 19  # its object at level 20
    for ref, custom_data in (("CL-1", deepest_kept), ("CL-2", too_deep)):
        body = (
            f'{{"data": {{"id": "c-{ref}", "clientRef": "{ref}", "customData": {custom_data}}}}}'
        )
        mocked.get(f"{fake_api}/v1/clients/{ref}", body=body)
    kept = api.client_get(client_ref="CL-1").custom_data
    for _ in range(19):
        kept = kept["a"]
    assert kept == [1.25] and type(kept[0]) is float
    assert api.client_get(client_ref="CL-2").custom_data == {}
