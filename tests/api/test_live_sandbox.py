"""The service module against the real sandbox process, over HTTP."""

import threading
import time
from datetime import date

import pytest

from dashboard import api
from dashboard.api import deadlines, transport
from tests.api.test_failures import NEW_CLIENT


def test_list_search_get_and_accounts_round_trip(sandbox):
    page = api.client_list(page=2, per_page=10)
    assert page.total >= 1000 and len(page.items) == 10 and page.has_next
    client = api.client_get(client_ref="CL-000017")
    assert client.client_ref == "CL-000017" and client.dob is not None
    search = api.client_search(term=client.last_name)
    assert not search.exact and client.id in [found.id for found in search.clients]
    exact = api.client_search(term="CL-000017")
    assert exact.exact and exact.clients == [client]
    loans = api.client_loans(client_id=client.id, per_page=100)
    deposits = api.client_deposits(client_id=client.id, per_page=100)
    assert loans.total == len(loans.items) and deposits.total == len(deposits.items)
    assert all(loan.currency == "NGN" for loan in loans.items)


def test_unknown_reference_is_not_found(sandbox):
    with pytest.raises(api.NotFound):
        api.client_get(client_ref="CL-999999")


def test_create_update_delete(sandbox, random_suffix):
    created = api.client_create(
        fields={
            "first_name": "Kelechi",
            "last_name": "Ibe",
            "dob": date(1985, 1, 31),
            "address": "3 Ogui Road",
            "state": "Enugu",
            "country": "Nigeria",
            "email": f"kelechi.{random_suffix}@example.com",
            "custom_data": {"tier": 2},
        },
        idempotency_key=f"create-{random_suffix}",
    )
    assert created.custom_data == {"tier": 2}
    updated = api.client_update(
        client_id=created.id,
        changes={"last_name": "Ibe-Okoro", "custom_data": {"tier": 3}},
        current={"first_name": "Kelechi", "last_name": "Ibe", "dob": date(1985, 1, 31)},
    )
    assert updated.last_name == "Ibe-Okoro" and updated.custom_data == {"tier": 3}
    api.client_delete(client_id=created.id)
    with pytest.raises(api.NotFound):
        api.client_get(client_ref=created.client_ref)


def test_validation_errors_come_back_on_dashboard_field_names(sandbox):
    with pytest.raises(api.ValidationFailed) as caught:
        api.client_create(
            fields={**NEW_CLIENT, "dob": "2999-01-01", "phone_number": "call me"},
            idempotency_key="k",
        )
    assert set(caught.value.errors) == {"dob", "phone_number"}


def test_every_page_iterator_reads_the_whole_book(sandbox):
    total = api.client_list(per_page=1).total
    ids = [client.id for page in api.clients_pages() for client in page.items]
    assert len(ids) == total == len(set(ids))


def test_a_short_retry_after_is_waited_for_once(sandbox, settings):
    settings.API_RETRY_AFTER_CAP = 2
    sandbox.set_faults(rate_limit_rate=1, retry_after=1)
    started = time.monotonic()
    with pytest.raises(api.RateLimited):
        api.client_list()
    assert time.monotonic() - started >= 1
    assert len(sandbox.received()) == 2


def test_a_retry_waiting_on_retry_after_is_not_sent_once_its_reader_has_gone(sandbox, monkeypatch):
    sandbox.set_faults(rate_limit_rate=1, retry_after=1)
    reader_gone, waiting = threading.Event(), threading.Event()
    outcome: list[BaseException] = []
    sleep = transport.CappedRetry.sleep

    def sleep_after_saying_so(self, response=None):
        waiting.set()  # the 429 is in: urllib3 now waits Retry-After before the retry
        sleep(self, response)

    monkeypatch.setattr(transport.CappedRetry, "sleep", sleep_after_saying_so)

    def read_ahead() -> None:
        with deadlines.abandon_on(reader_gone):
            try:
                api.client_list()
            except api.ApiError as error:
                outcome.append(error)

    fetcher = threading.Thread(target=read_ahead)
    fetcher.start()
    # The first attempt is answered 429; the export's download ends during the 1 s wait.
    assert waiting.wait(10), "the first attempt was never answered"
    reader_gone.set()
    fetcher.join(10)
    assert not fetcher.is_alive() and isinstance(outcome[0], api.Unavailable)
    assert len(sandbox.received()) == 1  # the retry was never sent


def test_a_flaky_gateway_is_retried_then_reported(sandbox):
    sandbox.set_faults(error_rate=1, error_status=503)
    with pytest.raises(api.Unavailable):
        api.client_list()
    assert len(sandbox.received()) == 2


def test_a_wrong_key_is_misconfiguration(sandbox, settings):
    settings.API_SECRET_KEY = "not-the-key"
    with pytest.raises(api.Misconfigured):
        api.client_list()


def test_garbage_is_a_bad_response(sandbox):
    sandbox.set_faults(garbage_rate=1)
    with pytest.raises(api.BadResponse):
        api.client_list()


def test_a_hanging_api_times_out(sandbox, settings):
    settings.API_TIMEOUT = (1, 0.3)
    sandbox.set_faults(timeout_rate=1, hang_seconds=2)
    started = time.monotonic()
    with pytest.raises(api.Unavailable, match="in time"):
        api.client_list()
    assert time.monotonic() - started < 1.5  # two attempts of 0.3 s
