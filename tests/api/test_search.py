"""Search as staff type it: the one word the API is asked for, and the filter on its answer.

`responses` stands in for the API, so each test shows the exact request sent.
"""

import pytest
import responses

from dashboard import api
from dashboard.api import search
from tests.api.test_endpoints import CLIENT, envelope


@pytest.fixture
def mocked(fake_api):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def client(number: int, **fields) -> dict:
    return {**CLIENT, "id": f"id-{number}", "clientRef": f"CL-{number:06d}", **fields}


KOFI_OKAFOR = client(7, firstName="Kofi", lastName="Okafor", email="k.okafor@example.com")
AMA_OKAFOR = client(8, firstName="Ama", lastName="Okafor", email="ama@example.com")
IKENNA = client(9, firstName="Ikenna", middleName="Chiamaka", lastName="Effiong", email=None)
ADEBAYO = client(10, firstName="Adébáyọ̀", lastName="Ọlátúnjí", email=None, phoneNumber=None)


def asked(mocked) -> list[str]:
    return [call.request.path_url for call in mocked.calls]


@pytest.mark.parametrize(
    ("term", "path"),
    [
        ("Okafor Kofi", "/v1/clients/Okafor"),  # the longest word
        ("kofi okafor", "/v1/clients/okafor"),  # as typed
        ("Ikenna Chiamaka Effiong", "/v1/clients/Chiamaka"),
        ("Ama Effiong", "/v1/clients/Effiong"),
        ("Ada Obi", "/v1/clients/Ada"),  # a tie: the first typed
        ("Adébáyọ̀", "/v1/clients/Ad%C3%A9b%C3%A1y%E1%BB%8D%CC%80"),  # accents kept
        ("Okafor 08031234567", "/v1/clients/8031234567"),  # a phone before any name
        ("+234 8031234567", "/v1/clients/8031234567"),  # one number in groups
        ("0803 123 4567", "/v1/clients/8031234567"),
        ("(0803) 123-4567", "/v1/clients/8031234567"),
        ("+2348031234567", "/v1/clients/8031234567"),
        ("08031234567", "/v1/clients/8031234567"),
        ("0803 123", "/v1/clients/803123"),  # a phone being typed
        ("0803", "/v1/clients/0803"),  # too short to be taken for a phone
        ("CL-42", "/v1/clients/CL-000042"),  # a reference without its zeros
        ("cl-000042", "/v1/clients/CL-000042"),
        ("Okafor CL-42", "/v1/clients/CL-000042"),  # a reference before anything
        ("CL-0000", "/v1/clients/CL-0000"),  # a reference being typed: as typed
        ("000042", "/v1/clients/000042"),
        ("a ..", "/v1/clients/a"),  # a dot segment is never asked
    ],
)
def test_the_api_is_asked_for_the_most_selective_word(mocked, fake_api, term, path):
    mocked.get(f"{fake_api}{path}", json=envelope([]))
    api.client_search(term=term)
    assert asked(mocked) == [path]


def test_the_answer_is_kept_to_clients_matching_every_word_in_any_order(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/Okafor", json=envelope([AMA_OKAFOR, KOFI_OKAFOR]))
    result = api.client_search(term="Okafor Kofi")
    assert [found.id for found in result.clients] == ["id-7"]
    assert (result.exact, result.asked, result.answered, result.capped) == (
        False,
        "Okafor",
        2,
        False,
    )


def test_a_middle_name_and_the_full_name_are_searched(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/Chiamaka", json=envelope([KOFI_OKAFOR, IKENNA]))
    result = api.client_search(term="Ikenna Chiamaka Effiong")
    assert [found.id for found in result.clients] == ["id-9"]


def test_words_match_without_case_or_accents(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/olatunji", json=envelope([ADEBAYO, KOFI_OKAFOR]))
    result = api.client_search(term="ADEBAYO   olatunji")
    assert [found.id for found in result.clients] == ["id-10"]


@pytest.mark.parametrize(
    "stored", ["+2348031234567", "08031234567", "0803 123 4567", "+234 803 123 4567"]
)
@pytest.mark.parametrize(
    "typed", ["+234 8031234567", "08031234567", "0803 123 4567", "+2348031234567", "803 1234"]
)
def test_a_phone_matches_in_any_spelling(mocked, fake_api, stored, typed):
    answer = [client(1, phoneNumber=stored), client(2, phoneNumber="+2348059999999")]
    path = f"/v1/clients/{search.plan(typed).question}"
    mocked.get(f"{fake_api}{path}", json=envelope(answer))
    assert [found.id for found in api.client_search(term=typed).clients] == ["id-1"]


@pytest.mark.parametrize("term", ["CL-42", "cl-000042", "CL-000042"])
def test_a_whole_reference_is_exact(mocked, fake_api, term):
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope(CLIENT))
    result = api.client_search(term=term)
    assert result.exact and [found.client_ref for found in result.clients] == ["CL-000042"]


def test_a_reference_found_in_a_list_answer_is_exact_too(mocked, fake_api):
    # An API whose references are lower case finds "CL-000042" only as a substring.
    lower = {**CLIENT, "clientRef": "cl-000042"}
    other = client(420, clientRef="cl-0000420")
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope([other, lower]))
    result = api.client_search(term="cl-42")
    assert result.exact and [found.client_ref for found in result.clients] == ["cl-000042"]


def test_a_reference_with_spaces_is_exact(mocked, fake_api):
    odd = client(11, clientRef="REF/2024 #7")
    mocked.get(f"{fake_api}/v1/clients/REF%2F2024", json=envelope([client(12), odd]))
    result = api.client_search(term="REF/2024 #7")
    assert result.exact and [found.id for found in result.clients] == ["id-11"]


def test_digits_find_a_reference_by_its_number(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/000042", json=envelope([CLIENT, client(43)]))
    result = api.client_search(term="000042")
    assert not result.exact and [found.client_ref for found in result.clients] == ["CL-000042"]


def test_a_reference_and_another_word_is_a_filtered_list(mocked, fake_api):
    mocked.get(f"{fake_api}/v1/clients/CL-000042", json=envelope(CLIENT))
    assert api.client_search(term="CL-42 ngozi").clients[0].client_ref == "CL-000042"
    assert api.client_search(term="CL-42 kofi").clients == []


def test_an_answer_of_the_api_s_most_says_it_is_capped(mocked, fake_api):
    answer = [
        client(n, firstName="Kofi" if n % 5 else "Ama", lastName="Okafor")
        for n in range(search.SEARCH_CAP)
    ]
    mocked.get(f"{fake_api}/v1/clients/okafor", json=envelope(answer))
    result = api.client_search(term="okafor ama")
    assert len(result.clients) == 10
    assert result.capped and result.answered == 50 and result.asked == "okafor"


def test_one_client_fewer_is_not_capped(mocked, fake_api):
    answer = [client(n) for n in range(search.SEARCH_CAP - 1)]
    mocked.get(f"{fake_api}/v1/clients/ngozi", json=envelope(answer))
    assert not api.client_search(term="ngozi").capped


def test_a_search_of_nothing_but_accents_asks_nothing(mocked):
    result = api.client_search(term="\u0301 \u0300")
    assert result.clients == [] and not mocked.calls


def test_fold_removes_case_accents_and_compatibility_forms():
    assert search.fold("Adébáyọ̀ ỌLÁTÚNJÍ") == "adebayo olatunji"
    assert search.fold("№ 5") == "no 5"
    assert search.fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("phone", "forms"),
    [
        ("+234 803 123 4567", ("2348031234567", "08031234567")),
        ("0803-123-4567", ("08031234567", "2348031234567")),
        ("+233 24 412 3456", ("233244123456", "0244123456")),
        ("803 123 4567", ("8031234567", "08031234567", "2348031234567")),
        (None, ()),
    ],
)
def test_phone_forms_spell_a_number_every_way(phone, forms):
    assert search.phone_forms(phone) == forms
