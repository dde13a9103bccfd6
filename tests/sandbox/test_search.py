"""The sandbox's search matches as a real API's would: substrings of names, email, phone
and reference, without case or accents, phones in their local or international form."""

import sqlite3
from urllib.parse import quote

import pytest

from dashboard.sandbox.store import Store


@pytest.fixture
def add(sandbox, random_suffix):
    """Adds clients to the shared sandbox (fields in camelCase), and removes them after."""
    added = []

    def client(**fields) -> dict:
        reference = f"ST-{random_suffix}-{len(added)}"
        added.append(sandbox.add_client(**{"clientRef": reference, "email": None, **fields}))
        return added[-1]

    yield client
    for each in added:
        sandbox.call("DELETE", f"/v1/clients/{each['id']}")


def found(sandbox, term: str) -> list[str]:
    answer = sandbox.call("GET", f"/v1/clients/{quote(term, safe='')}").json()["data"]
    return [match["id"] for match in answer] if isinstance(answer, list) else [answer["id"]]


@pytest.mark.parametrize(
    "term",
    ["chiamaka", "Ikenna Chiamaka Effiong", "ikenna effiong", "IKENNA.EFF", "ST-", "st-"],
)
def test_names_full_names_email_and_reference_match_in_any_case(sandbox, add, term):
    ikenna = add(
        firstName="Ikenna",
        middleName="Chiamaka",
        lastName="Effiong",
        email="Ikenna.Effiong@example.com",
    )
    assert ikenna["id"] in found(sandbox, term)


@pytest.mark.parametrize(
    "term", ["Adebayo", "adébáyọ̀", "OLATUNJI", "Ọlátúnjí", "adebayo olatunji"]
)
def test_accents_do_not_matter_either_way(sandbox, add, term):
    adebayo = add(firstName="Adébáyọ̀", lastName="Ọlátúnjí")
    assert adebayo["id"] in found(sandbox, term)


def test_a_term_with_accents_finds_the_plain_spelling_too(sandbox, add):
    plain = add(firstName="Adebayo", lastName="Olatunji")
    assert plain["id"] in found(sandbox, "Adébáyọ̀ Ọlátúnjí")


@pytest.mark.parametrize("stored", ["+2348031234567", "0803 123 4567", "08031234567"])
@pytest.mark.parametrize(
    "term", ["+234 8031234567", "+2348031234567", "08031234567", "0803 123 4567", "8031234567"]
)
def test_a_phone_matches_in_its_local_or_international_form(sandbox, add, stored, term):
    client = add(firstName="Phone", lastName="Owner", phoneNumber=stored)
    assert client["id"] in found(sandbox, term)


def test_a_changed_name_is_searched_by_its_new_spelling(sandbox, add, random_suffix):
    client = add(firstName="Kofi", lastName=f"Before{random_suffix}")
    body = {"firstName": "Kofi", "lastName": f"Áfter{random_suffix}", "dob": "1980-01-01"}
    assert sandbox.call("PATCH", f"/v1/clients/{client['id']}", json=body).status_code == 200
    assert found(sandbox, f"after{random_suffix}") == [client["id"]]
    assert found(sandbox, f"before{random_suffix}") == []


def test_search_answers_at_most_fifty(sandbox):
    assert len(found(sandbox, "a")) == 50


def test_a_database_from_before_search_text_gets_it(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the clients table as it was, one client in it
        db.execute(
            "CREATE TABLE clients (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
            " client_ref TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL,"
            " last_name TEXT NOT NULL, middle_name TEXT, dob TEXT NOT NULL, image TEXT,"
            " address TEXT, city TEXT, state TEXT, country TEXT, phone_number TEXT,"
            " phone_digits TEXT, email TEXT, custom_data TEXT,"
            " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO clients (id, client_ref, first_name, last_name, dob, created_at,"
            " updated_at) VALUES ('c1', 'CL-000001', 'Fúnmiláyọ̀', 'Ọ̀ṣun', '1990-01-01', 'x', 'x')"
        )
    store = Store(path)
    for term in ("FUNMILAYO", "funmilayo osun", "Ọ̀ṣun", "cl-000001"):
        assert [client["id"] for client in store.search_clients(term)] == ["c1"], term
    assert store.search_clients("funmilayo okafor") == []
