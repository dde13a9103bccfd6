"""What a page costs besides its rendering: database queries and API calls, counted.

The session and the user (with their role, in one query) are the only database work
of a page; anything more is a regression that a timing would only hint at."""

import pytest

from dashboard.sandbox.seed import make_client

REF = "CL-000017"

PAGES = {
    "list": ("/clients/", {}),
    "list-100": ("/clients/?perPage=100", {}),
    "search": ("/clients/?q=a", {}),
    "list-fragment": ("/clients/?page=2", {"HX-Request": "true"}),
    "detail": (f"/clients/{REF}/", {}),
    "loans-tab": (f"/clients/{REF}/loans/", {"HX-Request": "true"}),
    "deposits-tab": (f"/clients/{REF}/deposits/", {"HX-Request": "true"}),
    "deposits-page": (f"/clients/{REF}/?tab=deposits", {}),
    "summary-fragment": (f"/clients/{REF}/summary/", {"HX-Request": "true"}),
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["viewer_client", "manager_client"])
def test_a_page_makes_at_most_two_database_queries(
    name, who, request, sandbox, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)
    path, headers = PAGES[name]
    client.get(f"/clients/{REF}/")  # the client's id is then known, as on a real visit
    with django_assert_max_num_queries(2):
        response = client.get(path, headers=headers)
    assert response.status_code == 200


def test_the_list_page_makes_one_api_call_for_any_page_size(viewer_client, sandbox):
    for path in ("/clients/", "/clients/?perPage=100", "/clients/?page=3&perPage=10"):
        sandbox.forget_received()
        assert viewer_client.get(path).status_code == 200
        assert [call["path"] for call in sandbox.received()] == ["/v1/clients"]


def test_the_detail_page_makes_two_api_calls(viewer_client, sandbox):
    client_id = make_client(17, 1000)[0]["id"]
    for tab in ("", "?tab=loans", "?tab=deposits&page=2"):
        sandbox.forget_received()
        assert viewer_client.get(f"/clients/{REF}/{tab}").status_code == 200
        kind = "deposits" if "deposits" in tab else "loans"
        assert [call["path"] for call in sandbox.received()] == [
            f"/v1/clients/{REF}",
            f"/v1/clients/{client_id}/{kind}",
        ]
