"""The overview page: full page and htmx fragment, and the API failing in its region."""

import pytest

from tests.canary import CANARY


def test_full_page_shows_the_book_size_and_loads_htmx(client, sandbox):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "clients on record" in html
    assert "django_htmx/htmx-2.min.js" in html
    assert '"historyCacheSize": 0' in html
    assert "HX-Request" in response["Vary"]
    assert len(sandbox.received()) == 1  # one API call per page


def test_htmx_gets_only_the_region(client, sandbox):
    response = client.get("/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="api-status"')
    assert "<html" not in html


@pytest.mark.parametrize(
    ("faults", "status", "message"),
    [
        ({"error_rate": 1}, 503, "not answering"),
        ({"rate_limit_rate": 1, "retry_after": 30}, 429, "try again in 30 s"),
        ({"garbage_rate": 1}, 502, "does not understand"),
    ],
)
def test_an_api_failure_stays_in_its_region_with_retry(client, sandbox, faults, status, message):
    sandbox.set_faults(**faults)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == status
    assert message in html
    assert 'hx-get="/"' in html and ">Retry</a>" in html
    assert "Lender back office" in html  # the rest of the page still works
    assert "Traceback" not in html


def test_an_htmx_retry_that_fails_again_is_swappable(client, sandbox):
    sandbox.set_faults(error_rate=1)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response["Dashboard-Fragment"] == "1"
    assert "not answering" in response.content.decode()


def test_a_wrong_key_says_misconfigured_without_the_key(client, sandbox, settings):
    settings.API_SECRET_KEY = f"{CANARY}-wrong"
    response = client.get("/")
    settings.API_SECRET_KEY = CANARY
    assert response.status_code == 502
    assert "misconfigured" in response.content.decode()


def test_an_unknown_address_is_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


def test_write_methods_are_refused_on_the_overview(client):
    assert client.post("/").status_code == 405
