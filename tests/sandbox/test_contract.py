"""The sandbox over real HTTP serves the wire contract of dashboard/api/CONTRACT.md."""

import json
import threading
import time
from urllib.parse import quote

import pytest
import requests

from dashboard.sandbox import DEMO_API_KEY
from dashboard.sandbox.seed import PORTFOLIO_CLIENTS, make_client
from tests.processes import start_sandbox

NEW_CLIENT = {
    "firstName": "Amaka",
    "lastName": "Eze",
    "dob": "1990-05-17",
    "address": "7 Awolowo Road",
    "city": "Ikoyi",
    "state": "Lagos",
    "country": "Nigeria",
    "phoneNumber": "+2348091234567",
    "customData": '{"segment": "sme"}',
}


@pytest.fixture
def api(sandbox):
    return sandbox.call


def create(api, suffix: str, **changes) -> dict:
    body = {**NEW_CLIENT, "email": f"amaka.{suffix}@example.com", **changes}
    response = api("POST", "/v1/clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_list_answers_the_paginated_envelope(api):
    body = api("GET", "/v1/clients?page=2&perPage=5").json()
    assert body["status"] == "success"
    assert len(body["data"]) == 5
    meta = body["meta"]
    assert (meta["page"], meta["perPage"]) == (2, 5)
    assert meta["total"] >= 1000
    assert meta["totalPages"] == -(-meta["total"] // 5)
    first = body["data"][0]
    assert {"id", "clientRef", "firstName", "lastName", "dob", "createdAt"} <= set(first)


def test_pages_do_not_overlap_and_default_to_25(api):
    first = api("GET", "/v1/clients").json()
    second = api("GET", "/v1/clients?page=2").json()
    assert first["meta"]["perPage"] == 25 and len(first["data"]) == 25
    assert not {c["id"] for c in first["data"]} & {c["id"] for c in second["data"]}


def test_a_page_past_the_end_is_empty_not_an_error(api):
    body = api("GET", "/v1/clients?page=100000&perPage=100").json()
    assert body["data"] == [] and body["meta"]["total"] >= 1000


@pytest.mark.parametrize("query", ["perPage=101", "perPage=0", "page=0", "page=abc", "page=-3"])
def test_paging_out_of_contract_is_a_400_naming_the_field(api, query):
    response = api("GET", f"/v1/clients?{query}")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {query.split("=")[0]}


@pytest.mark.parametrize("key", [None, "wrong", f"{DEMO_API_KEY}x"])
def test_a_wrong_or_missing_key_is_401(sandbox, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = requests.get(f"{sandbox.url}/v1/clients", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["status"] == "error"


def test_get_by_reference_answers_one_object(api):
    body = api("GET", "/v1/clients/CL-000017").json()
    assert isinstance(body["data"], dict)
    assert body["data"]["clientRef"] == "CL-000017"


def test_an_unknown_reference_answers_an_empty_list(api):
    response = api("GET", "/v1/clients/CL-999999")
    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("field", ["firstName", "lastName", "email"])
def test_search_matches_fields_case_insensitively(api, field):
    seeded = api("GET", "/v1/clients/CL-000017").json()["data"]
    term = seeded[field].upper()[:6] if field != "email" else seeded["email"].upper()
    matches = api("GET", f"/v1/clients/{quote(term, safe='')}").json()["data"]
    assert isinstance(matches, list) and 0 < len(matches) <= 50
    assert any(match["clientRef"] == "CL-000017" for match in matches)
    assert all(term.lower() in json.dumps(match).lower() for match in matches)


def test_search_matches_phone_in_local_form(api):
    seeded = api("GET", "/v1/clients/CL-000017").json()["data"]
    local = "0" + seeded["phoneNumber"][4:]  # +234803... -> 0803...
    matches = api("GET", f"/v1/clients/{local}").json()["data"]
    assert [match["clientRef"] for match in matches] == ["CL-000017"]


def test_search_by_part_of_a_reference(api):
    matches = api("GET", "/v1/clients/CL-00001").json()["data"]
    assert {match["clientRef"] for match in matches} >= {f"CL-{n:06d}" for n in range(10, 20)}


def test_an_encoded_slash_stays_inside_the_search_term(api):
    response = api("GET", "/v1/clients/a%2Fb%3Fc")
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_loans_and_deposits_are_paginated_per_client(api):
    client = api("GET", "/v1/clients/CL-000017").json()["data"]
    loans = api("GET", f"/v1/clients/{client['id']}/loans?perPage=2").json()
    deposits = api("GET", f"/v1/clients/{client['id']}/deposits?perPage=100").json()
    _, seeded_loans, seeded_deposits = make_client(17, 1000)
    assert loans["meta"]["total"] == len(seeded_loans)
    assert deposits["meta"]["total"] == len(seeded_deposits)
    for loan in loans["data"]:
        assert loan["clientId"] == client["id"] and loan["currency"] == "NGN"
        assert {
            "amount",
            "interestRate",
            "tenureMonths",
            "outstandingBalance",
            "status",
            "disbursedAt",
            "dueDate",
            "createdAt",
            "reference",
        } <= set(loan)
        assert isinstance(loan["amount"], str)


def test_loans_of_an_unknown_client_is_404(api):
    assert api("GET", "/v1/clients/nope/loans").status_code == 404
    assert api("GET", "/v1/clients/nope/deposits").status_code == 404


def test_create_answers_201_with_the_new_client(api, random_suffix):
    created = create(api, random_suffix)
    assert created["id"] and created["clientRef"].startswith("CL-")
    assert created["customData"] == {"segment": "sme"}
    found = api("GET", f"/v1/clients/{created['clientRef']}").json()["data"]
    assert found["email"] == f"amaka.{random_suffix}@example.com"


def test_create_names_every_missing_required_field(api):
    response = api("POST", "/v1/clients", json={"city": "Ikeja"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "firstName",
        "lastName",
        "dob",
        "address",
        "state",
        "country",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dob": "2999-01-01"}, "dob"),
        ({"dob": "17/05/1990"}, "dob"),
        ({"email": "not-an-email"}, "email"),
        ({"phoneNumber": "call me"}, "phoneNumber"),
        ({"image": "http://insecure.test/a.png"}, "image"),
        ({"customData": "[1, 2]"}, "customData"),
        ({"firstName": 42}, "firstName"),
    ],
)
def test_create_validates_fields(api, changes, field):
    response = api("POST", "/v1/clients", json={**NEW_CLIENT, **changes})
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_duplicate_email_is_a_conflict(api, random_suffix):
    create(api, random_suffix)
    response = api(
        "POST", "/v1/clients", json={**NEW_CLIENT, "email": f"AMAKA.{random_suffix}@example.com"}
    )
    assert response.status_code == 409


def test_update_patches_and_requires_the_documented_fields(api, random_suffix):
    created = create(api, random_suffix)
    path = f"/v1/clients/{created['id']}"
    refused = api("PATCH", path, json={"city": "Yaba"})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"firstName", "lastName", "dob"}
    updated = api(
        "PATCH",
        path,
        json={
            "firstName": "Amara",
            "lastName": "Eze",
            "dob": "1990-05-17",
            "city": "Yaba",
            "customData": {"segment": "retail"},
            "middleName": None,
        },
    )
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert (data["firstName"], data["city"], data["customData"]) == (
        "Amara",
        "Yaba",
        {"segment": "retail"},
    )
    assert data["updatedAt"] >= created["updatedAt"]
    assert api("PATCH", "/v1/clients/nope", json={}).status_code == 404


def test_delete_answers_null_and_the_client_is_gone(api, random_suffix):
    created = create(api, random_suffix)
    response = api("DELETE", f"/v1/clients/{created['id']}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert api("GET", f"/v1/clients/{created['clientRef']}").json()["data"] == []
    assert api("DELETE", f"/v1/clients/{created['id']}").status_code == 404


def test_data_survives_a_restart(tmp_path):
    db = tmp_path / "restart.sqlite3"
    first = start_sandbox(db, api_key="k", clients=20)
    try:
        created = first.call("POST", "/v1/clients", json=NEW_CLIENT).json()["data"]
    finally:
        first.stop()
    second = start_sandbox(db, api_key="k", clients=20)
    try:
        assert (
            second.call("GET", f"/v1/clients/{created['clientRef']}").json()["data"]["id"]
            == created["id"]
        )
        total = second.call("GET", "/v1/clients").json()["meta"]["total"]
        assert total == 20 + len(PORTFOLIO_CLIENTS) + 1  # not re-seeded
    finally:
        second.stop()


# --- faults ---------------------------------------------------------------------


def test_fault_mode_injects_latency(sandbox, api):
    sandbox.set_faults(latency_ms=300)
    started = time.monotonic()
    assert api("GET", "/v1/clients?perPage=1").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_mode_injects_errors_rate_limits_and_garbage(sandbox, api):
    sandbox.set_faults(error_rate=1, error_status=502)
    assert api("GET", "/v1/clients").status_code == 502
    sandbox.set_faults(rate_limit_rate=1, retry_after=7)
    limited = api("GET", "/v1/clients")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    sandbox.set_faults(garbage_rate=1)
    garbage = api("GET", "/v1/clients")
    assert garbage.status_code == 200 and garbage.headers["Content-Type"] == "text/html"


def test_faults_can_target_later_pages_only(sandbox, api):
    sandbox.set_faults(error_rate=1, min_page=3)
    assert api("GET", "/v1/clients?page=2").status_code == 200
    assert api("GET", "/v1/clients?page=3").status_code == 503


def test_settling_ends_the_injected_waits_and_the_calls_under_way(sandbox, api):
    sandbox.set_faults(latency_ms=60_000, timeout_rate=1, hang_seconds=60)  # two waits
    answers: list[int] = []
    hanging = threading.Thread(
        target=lambda: answers.append(api("GET", "/v1/clients").status_code), daemon=True
    )
    hanging.start()
    deadline = time.monotonic() + 10
    while api("GET", "/_sandbox/concurrency").json()["data"]["inFlight"] == 0:
        assert time.monotonic() < deadline, "the call never reached the sandbox"
        time.sleep(0.01)
    assert api("POST", "/_sandbox/settle").status_code == 200
    assert api("GET", "/_sandbox/concurrency").json()["data"]["inFlight"] == 0
    hanging.join(10)
    assert answers == [504]  # the hang's answer, sent at once instead of in two minutes


def test_fault_mode_from_environment(tmp_path):
    process = start_sandbox(
        tmp_path / "faulty.sqlite3",
        api_key="k",
        clients=5,
        env={"SANDBOX_ERROR_RATE": "1", "SANDBOX_ERROR_STATUS": "500"},
    )
    try:
        assert process.call("GET", "/v1/clients").status_code == 500
        assert requests.get(f"{process.url}/_sandbox/health", timeout=5).ok  # health is exempt
    finally:
        process.stop()


def test_requests_log_records_calls_for_tests(sandbox, api):
    api("GET", "/v1/clients?page=3&perPage=7")
    assert sandbox.received() == [
        {
            "method": "GET",
            "path": "/v1/clients",
            "query": {"page": "3", "perPage": "7"},
            "body": None,
            "idempotency_key": None,
            "request_id": None,
        }
    ]


def test_digits_inside_a_word_do_not_match_phones(api):
    seeded = api("GET", "/v1/clients/CL-000017").json()["data"]
    digits = seeded["phoneNumber"][-6:]
    assert api("GET", f"/v1/clients/Tag{digits}").json()["data"] == []


# --- Idempotency-Key and lost answers ------------------------------------------------


def test_a_repeated_idempotency_key_answers_the_first_client_without_a_twin(api, random_suffix):
    body = {**NEW_CLIENT, "email": f"once.{random_suffix}@example.com"}
    headers = {"Idempotency-Key": f"key-{random_suffix}"}
    first = api("POST", "/v1/clients", json=body, headers=headers)
    again = api("POST", "/v1/clients", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    matches = api("GET", f"/v1/clients/once.{random_suffix}@example.com").json()["data"]
    assert len(matches) == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(api, random_suffix):
    headers = {"Idempotency-Key": f"key-{random_suffix}"}
    api("POST", "/v1/clients", json={**NEW_CLIENT, "firstName": "One"}, headers=headers)
    other = api("POST", "/v1/clients", json={**NEW_CLIENT, "firstName": "Two"}, headers=headers)
    assert other.status_code == 422


def test_the_sandbox_can_ignore_idempotency_keys_like_some_apis(sandbox, api, random_suffix):
    sandbox.set_faults(ignore_idempotency=1)
    body = {**NEW_CLIENT, "lastName": f"Twin{random_suffix}"}
    headers = {"Idempotency-Key": f"key-{random_suffix}"}
    ids = {api("POST", "/v1/clients", json=body, headers=headers).json()["data"]["id"]}
    ids.add(api("POST", "/v1/clients", json=body, headers=headers).json()["data"]["id"])
    assert len(ids) == 2


def test_a_lost_answer_still_carries_out_the_request(sandbox, api, random_suffix):
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=2, methods="POST")
    body = {**NEW_CLIENT, "lastName": f"Lost{random_suffix}"}
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{sandbox.url}/v1/clients",
            json=body,
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
            timeout=0.5,
        )
    sandbox.clear_faults()
    assert len(api("GET", f"/v1/clients/Lost{random_suffix}").json()["data"]) == 1
