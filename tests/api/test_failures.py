"""Every error class, and retries: GETs retry, writes never do once the API may have them."""

import logging
import socket
import threading
import time

import pytest
import responses

from dashboard import api
from dashboard.api import deadlines
from tests.canary import CANARY
from tests.upstreams import HangUpServer


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


REQUIRED_FOR_UPDATE = {"first_name": "A", "last_name": "B", "dob": "2000-01-01"}
NEW_CLIENT = {**REQUIRED_FOR_UPDATE, "address": "x", "state": "y", "country": "z"}


def error_body(message="nope", **errors):
    body = {"status": "error", "message": message}
    if errors:
        body["errors"] = errors
    return body


@pytest.mark.parametrize("status", [400, 422])
def test_validation_errors_carry_field_messages_under_dashboard_names(mocked, fake_api, status):
    body = error_body(
        "Validation failed", dob=["dob must be a date in the past"], phoneNumber="invalid phone"
    )
    mocked.post(f"{fake_api}/v1/clients", status=status, json=body)
    with pytest.raises(api.ValidationFailed) as caught:
        api.client_create(fields={**NEW_CLIENT, "dob": "2999-01-01"}, idempotency_key="k-1")
    assert caught.value.errors == {
        "dob": ["dob must be a date in the past"],
        "phone_number": ["invalid phone"],
    }
    assert caught.value.message == "Validation failed"
    assert len(mocked.calls) == 1


def test_validation_errors_as_a_list_of_entries(mocked, fake_api):
    body = {"message": "Bad", "errors": [{"field": "email", "message": "invalid email"}]}
    mocked.patch(f"{fake_api}/v1/clients/x", status=422, json=body)
    with pytest.raises(api.ValidationFailed) as caught:
        api.client_update(client_id="x", changes={"first_name": "C"}, current=REQUIRED_FOR_UPDATE)
    assert caught.value.errors == {"email": ["invalid email"]}


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_misconfiguration_logged_without_the_key(
    mocked, fake_api, status, caplog
):
    mocked.get(f"{fake_api}/v1/clients", status=status, json=error_body(f"bad key {CANARY}"))
    with caplog.at_level(logging.DEBUG), pytest.raises(api.Misconfigured) as caught:
        api.client_list()
    assert "misconfigured" in caught.value.message
    assert "API_SECRET_KEY" in caplog.text  # the log says which setting to check
    assert CANARY not in caplog.text and CANARY not in str(caught.value)
    assert len(mocked.calls) == 1


def test_an_api_echoing_the_key_in_a_message_is_scrubbed(mocked, fake_api):
    mocked.post(f"{fake_api}/v1/clients", status=409, json=error_body(f"duplicate for {CANARY}"))
    with pytest.raises(api.Conflict) as caught:
        api.client_create(fields=NEW_CLIENT, idempotency_key="k-1")
    assert CANARY not in caught.value.message
    assert "[redacted]" in caught.value.message


def test_not_found(mocked, fake_api):
    mocked.delete(f"{fake_api}/v1/clients/gone", status=404, json=error_body())
    with pytest.raises(api.NotFound):
        api.client_delete(client_id="gone")


def test_a_long_retry_after_is_rate_limited_at_once(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients", status=429, headers={"Retry-After": "30"}, json=error_body()
    )
    started = time.monotonic()
    with pytest.raises(api.RateLimited) as caught:
        api.client_list()
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 30
    assert "30 s" in caught.value.message
    assert len(mocked.calls) == 1


def test_a_short_retry_after_is_retried(mocked, fake_api, settings):
    # `responses` does not sleep; the wait itself is tested against the sandbox.
    settings.API_RETRY_AFTER_CAP = 2
    mocked.get(f"{fake_api}/v1/clients", status=429, headers={"Retry-After": "1"}, json={})
    mocked.get(f"{fake_api}/v1/clients", json={"data": [], "meta": {"total": 0}})
    assert api.client_list().total == 0
    assert len(mocked.calls) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gets_are_retried_on_gateway_errors(mocked, fake_api, status):
    mocked.get(f"{fake_api}/v1/clients", status=status, body="<html>bad gateway</html>")
    mocked.get(f"{fake_api}/v1/clients", json={"data": [], "meta": {"total": 0}})
    assert api.client_list().total == 0
    assert len(mocked.calls) == 2


def test_a_get_for_a_reader_that_has_gone_makes_no_retry(mocked, fake_api):
    reader_gone = threading.Event()

    def gateway_error(request):
        reader_gone.set()  # the download is given up on while the first attempt is out
        return (503, {}, "down")

    mocked.add_callback(responses.GET, f"{fake_api}/v1/clients", callback=gateway_error)
    with deadlines.abandon_on(reader_gone), pytest.raises(api.Unavailable):
        api.client_list()
    assert len(mocked.calls) == 1  # the first attempt's answer is the outcome


def test_nothing_is_sent_for_a_reader_that_has_gone(mocked, fake_api, caplog):
    reader_gone = threading.Event()
    reader_gone.set()
    with (
        caplog.at_level(logging.DEBUG),
        deadlines.abandon_on(reader_gone),
        pytest.raises(api.Unavailable),
    ):
        api.client_list()
    assert len(mocked.calls) == 0
    assert not caplog.records  # nothing happened, so nothing is worth a warning
    # The flag belongs to the block: outside it, calls go out again.
    mocked.get(f"{fake_api}/v1/clients", json={"data": [], "meta": {"total": 0}})
    assert api.client_list().total == 0


def test_gets_give_up_after_the_configured_attempts(mocked, fake_api, settings):
    settings.API_ATTEMPTS = 3
    mocked.get(f"{fake_api}/v1/clients", status=503, body="down")
    with pytest.raises(api.Unavailable):
        api.client_list()
    assert len(mocked.calls) == 3


def test_a_500_is_unavailable_and_not_retried(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", status=500, body="oops")
    with pytest.raises(api.Unavailable) as caught:
        api.client_list()
    assert caught.value.status == 500
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("method", "call"),
    [
        (
            "POST",
            lambda: api.client_create(fields=NEW_CLIENT, idempotency_key="k-1"),
        ),
        (
            "PATCH",
            lambda: api.client_update(
                client_id="x", changes={"first_name": "C"}, current=REQUIRED_FOR_UPDATE
            ),
        ),
        ("DELETE", lambda: api.client_delete(client_id="x")),
    ],
)
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_writes_are_never_retried(mocked, fake_api, method, call, status):
    path = "/v1/clients" if method == "POST" else "/v1/clients/x"
    mocked.add(method, f"{fake_api}{path}", status=status, headers={"Retry-After": "0"}, json={})
    with pytest.raises((api.Unavailable, api.RateLimited)):
        call()
    assert len(mocked.calls) == 1


def test_a_non_json_success_is_a_bad_response(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", body="<html>Welcome to nginx</html>", status=200)
    with pytest.raises(api.BadResponse):
        api.client_list()


def test_redirects_are_not_followed(mocked, fake_api):
    mocked.get(
        f"{fake_api}/v1/clients",
        status=302,
        headers={"Location": "https://elsewhere.test/v1/clients"},
    )
    with pytest.raises(api.Misconfigured, match="redirects"):
        api.client_list()
    assert [call.request.url for call in mocked.calls] == [
        f"{fake_api}/v1/clients?page=1&perPage=25"
    ]


def test_error_messages_never_contain_the_key(mocked, fake_api):
    for status in (400, 401, 404, 409, 429, 500, 503):
        mocked.upsert(
            responses.GET,
            f"{fake_api}/v1/clients/x/loans",
            status=status,
            json=error_body(CANARY, field=[CANARY]),
        )
        with pytest.raises(api.ApiError) as caught:
            api.client_loans(client_id="x")
        assert CANARY not in str(caught.value)
        assert CANARY not in repr(getattr(caught.value, "errors", ""))


# --- over a real socket: connection-level failures -------------------------------------


@pytest.fixture
def hang_up(settings):
    server = HangUpServer()
    settings.API_BASE_URL = f"http://127.0.0.1:{server.port}"
    settings.API_BACKOFF = 0
    yield server
    server.close()


def test_a_get_whose_connection_drops_is_retried(hang_up):
    with pytest.raises(api.Unavailable, match="cannot be reached"):
        api.client_list()
    time.sleep(0.05)
    assert hang_up.requests == 2


def test_a_post_whose_connection_drops_is_not_resent(hang_up):
    with pytest.raises(api.Unavailable):
        api.client_create(fields=NEW_CLIENT, idempotency_key="k-1")
    time.sleep(0.05)
    assert hang_up.requests == 1


def test_a_refused_connection_is_unavailable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connections are refused
        settings.API_BASE_URL = f"http://127.0.0.1:{port}"
        settings.API_BACKOFF = 0
        with pytest.raises(api.Unavailable, match="cannot be reached"):
            api.client_list()


def test_a_slow_api_times_out_as_unavailable(settings):
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    settings.API_BASE_URL = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.API_TIMEOUT = (1, 0.2)
    settings.API_ATTEMPTS = 1
    try:
        started = time.monotonic()
        with pytest.raises(api.Unavailable, match="in time"):
            api.client_list()
        assert time.monotonic() - started < 2
    finally:
        listener.close()
