"""No upstream answer takes a page down: each becomes the region's retryable message."""

import pytest
import responses

CLIENT = {"id": "c1", "clientRef": "CL-1", "firstName": "Ada", "lastName": "Obi"}
DEEP = '{"data": ' + "[" * 5000 + "]" * 5000 + "}"
HUGE = '{"data": [], "meta": {"total": 1' + "0" * 5000 + "}}"
HUGE_NUMBERS = '{"data": [{"id": "l1", "amount": "1e5000", "tenureMonths": "1e5000"}]}'
UNDERSTOOD = "does not understand"


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize("body", [DEEP, HUGE], ids=["deep", "huge"])
@pytest.mark.parametrize(
    ("url", "api_path"),
    [
        ("/clients/", "/v1/clients"),
        ("/clients/?q=ada", "/v1/clients/ada"),
        ("/clients/CL-1/", "/v1/clients/CL-1"),
        ("/clients/CL-1/edit/", "/v1/clients/CL-1"),
    ],
)
def test_malformed_json_is_the_regions_message(
    manager_client, mocked, fake_api, url, api_path, body
):
    mocked.get(f"{fake_api}{api_path}", body=body)
    response = manager_client.get(url)
    assert response.status_code == 502
    assert UNDERSTOOD in response.content.decode()


@pytest.mark.parametrize("body", [DEEP, HUGE, HUGE_NUMBERS], ids=["deep", "huge", "numbers"])
@pytest.mark.parametrize("tab", ["loans", "deposits"])
def test_malformed_accounts_are_the_tabs_message(manager_client, mocked, fake_api, tab, body):
    mocked.get(f"{fake_api}/v1/clients/CL-1", json={"data": CLIENT})
    mocked.get(f"{fake_api}/v1/clients/c1/{tab}", body=body)
    page = manager_client.get(f"/clients/CL-1/?tab={tab}")
    assert page.status_code == 502
    html = page.content.decode()
    assert UNDERSTOOD in html and "Ada Obi" in html  # the profile still shows
    fragment = manager_client.get(f"/clients/CL-1/{tab}/", headers={"HX-Request": "true"})
    assert fragment.status_code == 502 and UNDERSTOOD in fragment.content.decode()


def test_a_malformed_answer_to_a_save_keeps_what_was_typed(manager_client, mocked, fake_api):
    mocked.post(f"{fake_api}/v1/clients", status=422, body=DEEP)
    mocked.get(f"{fake_api}/v1/clients/Okafor", json={"data": []})  # the check after
    data = {
        "first_name": "Ngozi",
        "last_name": "Okafor",
        "dob": "1990-01-01",
        "address": "4 Broad Street",
        "state": "Lagos",
        "country": "Nigeria",
        "city": "Ikoyi",
    }
    response = manager_client.post("/clients/new/", data)
    html = response.content.decode()
    assert response.status_code == 422  # the API's refusal, unreadable: shown on the form
    assert 'value="Ikoyi"' in html and 'value="4 Broad Street"' in html


@pytest.mark.parametrize(
    ("url", "api_path"), [("/clients/", "/v1/clients"), ("/clients/?q=zz", "/v1/clients/zz")]
)
def test_an_api_404_on_the_list_or_search_is_an_empty_result(
    manager_client, mocked, fake_api, url, api_path
):
    mocked.get(f"{fake_api}{api_path}", status=404, json={"message": "No clients found"})
    response = manager_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No clients match" in html or "There are no clients yet" in html


def test_an_api_404_on_the_list_exports_an_empty_file(manager_client, mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients", status=404, json={"message": "No clients"})
    response = manager_client.get("/clients/export.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("client_ref")


def test_lone_surrogates_in_api_text_never_break_a_page(manager_client, mocked, fake_api):
    body = '{"data": [{"id": "c1", "clientRef": "CL-\\ud800", "firstName": "A\\udfffda"}]}'
    mocked.get(f"{fake_api}/v1/clients", body=body)
    response = manager_client.get("/clients/")
    assert response.status_code == 200
    assert "A\ufffdda" in response.content.decode()
