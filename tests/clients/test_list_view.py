"""The client list: page and fragment, search, paging, bad query values, API trouble."""

import pytest


def get(client, url, htmx=False):
    return client.get(url, headers={"HX-Request": "true"} if htmx else {})


def test_list_page_makes_exactly_one_api_call(viewer_client, sandbox):
    response = get(viewer_client, "/clients/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<tr>") == 26  # header + 25 rows
    assert "1–25 of 1," in html
    assert [call["path"] for call in sandbox.received()] == ["/v1/clients"]
    assert sandbox.received()[0]["query"] == {"page": "1", "perPage": "25"}


def test_htmx_gets_only_the_results_region(viewer_client, sandbox):
    response = get(viewer_client, "/clients/?page=2&perPage=10", htmx=True)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="client-results"')
    assert "<html" not in html and "11–20 of" in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(viewer_client, sandbox):
    response = viewer_client.get(
        "/clients/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_pager_links_have_real_hrefs_and_push_the_page_url(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?q=okafor&perPage=10", htmx=True).content.decode()
    assert 'href="/clients/?q=okafor&amp;page=2&amp;perPage=10"' in html
    assert 'hx-push-url="/clients/?q=okafor&amp;page=2&amp;perPage=10"' in html


def test_search_is_paged_by_the_dashboard(viewer_client, sandbox):
    first = get(viewer_client, "/clients/?q=a&perPage=10").content.decode()
    second = get(viewer_client, "/clients/?q=a&perPage=10&page=2").content.decode()
    assert "1–10 of 50 clients" in first and "11–20 of 50 clients" in second
    assert [call["path"] for call in sandbox.received()] == ["/v1/clients/a", "/v1/clients/a"]


def test_an_exact_reference_offers_open(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?q=CL-000017").content.decode()
    assert 'href="/clients/CL-000017/" data-open-client' in html


@pytest.mark.parametrize("query", ["page=2", "page=2&perPage=10", "perPage=abc&page=-1"])
def test_an_exact_reference_ignores_paging(viewer_client, sandbox, query):
    response = get(viewer_client, f"/clients/?q=CL-000017&{query}")
    assert response.status_code == 200
    assert 'href="/clients/CL-000017/" data-open-client' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("q=a&page=3&perPage=10", "21–30 of 50"),
        ("q=a&page=9", "There is no page 9"),
        ("q=a&perPage=100", "1–50 of 50"),
    ],
)
def test_search_with_paging(viewer_client, sandbox, query, shown):
    response = get(viewer_client, f"/clients/?{query}")
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_no_match_says_so_with_a_clear_link(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?q=zzzqqq").content.decode()
    assert "No clients match “zzzqqq”" in html
    assert 'href="/clients/">Clear the search' in html


def test_search_terms_are_escaped(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?q=<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("query", "note", "shown"),
    [
        ("page=-3", "There is no page -3: showing page 1.", "1–25 of"),
        ("page=abc", "“abc” is not a page number: showing page 1.", "1–25 of"),
        ("perPage=9999", "“9999” rows per page is not offered: showing 100.", "1–100 of"),
        ("perPage=7", "“7” rows per page is not offered: showing 10.", "1–10 of"),
        ("perPage=abc", "“abc” rows per page is not offered: showing 10.", "1–10 of"),
        ("page=99999999999", "out of range: showing page 1.", "1–25 of"),
    ],
)
def test_bad_query_values_are_clamped_with_a_message(viewer_client, sandbox, query, note, shown):
    response = get(viewer_client, f"/clients/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert note in html and shown in html


def test_a_page_past_the_end_links_back(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?page=5000").content.decode()
    assert "There is no page 5000" in html and "Go to the first page" in html


def test_no_js_search_is_a_plain_get_form(viewer_client, sandbox):
    html = get(viewer_client, "/clients/").content.decode()
    assert (
        '<form id="client-search" class="mb-3" method="get" action="/clients/" role="search"'
        in html
    )
    assert '<input type="hidden" name="perPage" value="25" form="client-search">' in html
    assert 'name="q"' in html and '<button class="btn btn-outline-primary" type="submit">' in html


@pytest.mark.parametrize(
    ("faults", "status", "message"),
    [
        ({"error_rate": 1}, 503, "not answering"),
        ({"rate_limit_rate": 1, "retry_after": 30}, 429, "try again in 30 s"),
        ({"garbage_rate": 1}, 502, "does not understand"),
        ({"timeout_rate": 1, "hang_seconds": 1}, 503, "did not answer in time"),
    ],
)
def test_api_trouble_stays_in_the_results_region(
    viewer_client, sandbox, settings, faults, status, message
):
    settings.API_TIMEOUT = (1, 0.3)
    sandbox.set_faults(**faults)
    response = get(viewer_client, "/clients/?q=okafor")
    html = response.content.decode()
    assert response.status_code == status
    assert message in html and ">Retry</a>" in html
    assert 'id="q"' in html and 'value="okafor"' in html  # the search still works
    assert "Traceback" not in html


def test_an_htmx_failure_is_marked_for_swapping(viewer_client, sandbox):
    sandbox.set_faults(error_rate=1)
    response = get(viewer_client, "/clients/", htmx=True)
    assert response.status_code == 503
    assert response["Dashboard-Fragment"] == "1"


def test_a_wrong_key_says_misconfigured(viewer_client, sandbox, settings):
    settings.API_SECRET_KEY = "not-the-key"
    html = get(viewer_client, "/clients/").content.decode()
    assert "misconfigured" in html


def test_viewers_see_no_create_button_officers_do(viewer_client, officer_client, sandbox):
    assert "New client" not in get(viewer_client, "/clients/").content.decode()
    assert "New client" in get(officer_client, "/clients/").content.decode()
