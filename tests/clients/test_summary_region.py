"""The client page's portfolio summary band: its own region, loaded after the page, its
figures read back from the HTML and compared with portfolio_summary, the empty client, the
cap, and a failure that stays in the band with a Retry."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard.clients.portfolio import portfolio_summary
from dashboard.clients.templatetags.formatting import day
from dashboard.sandbox.seed import EMPTY_CLIENT_REF, PORTFOLIO_CLIENT_REF

HTMX = {"HX-Request": "true"}
SYMBOLS = {"NGN": "₦", "USD": "$"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


def client_id(sandbox, client_ref: str) -> str:
    found = sandbox.call("GET", f"/v1/clients/{client_ref}").json()["data"]["id"]
    sandbox.forget_received()
    return found


def summary_url(client_ref: str, client_id: str) -> str:
    return f"/clients/{client_ref}/summary/?client_id={client_id}"


class Band(HTMLParser):
    """What the band says: per currency, each figure's value, note and warning; its
    basis line; whether it is still the skeleton."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lines: dict[str, dict[str, dict]] = {}
        self.basis = ""
        self.busy = False
        self.open: list[dict[str, str]] = []  # the attributes of each open element
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id") == "client-summary":
            self.busy = attributes.get("aria-busy") == "true"
        if "data-currency" in attributes:
            self.lines[attributes["data-currency"]] = {}
        if "data-figure" in attributes and self.nearest("data-currency"):  # not the skeleton's
            self.lines[self.currency()][attributes["data-figure"]] = {
                "value": "",
                "note": "",
                "warning": "summary-warning" in attributes.get("class", ""),
            }
        if tag not in VOID:
            self.open.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if any("data-summary-basis" in element for element in self.open):
            self.basis += data
        figure = self.nearest("data-figure")
        if figure is None or self.nearest("data-currency") is None:
            return
        classes = " ".join(element.get("class", "") for element in self.open)
        part = (
            "value" if "summary-value" in classes else "note" if "summary-note" in classes else ""
        )
        if part:
            self.lines[self.currency()][figure["data-figure"]][part] += data

    def nearest(self, attribute: str) -> dict | None:
        return next((e for e in reversed(self.open) if attribute in e), None)

    def currency(self) -> str:
        return self.nearest("data-currency")["data-currency"]

    def figure(self, currency: str, name: str) -> dict:
        found = self.lines[currency][name]
        return {**found, "value": " ".join(found["value"].split()), "note": found["note"].strip()}


MONEY = re.compile(r"(?P<sign>-?)(?P<symbol>[^\d-]*)(?P<number>[\d,]+\.\d\d)")


def amount(text: str) -> tuple[str, Decimal]:
    """("₦", Decimal("-1200.50")) from "-₦1,200.50": what the band showed, as a Decimal."""
    found = MONEY.fullmatch(text)
    assert found, f"not an amount: {text!r}"
    number = Decimal(found["number"].replace(",", ""))
    return found["symbol"], -number if found["sign"] else number


@pytest.fixture
def large(sandbox) -> str:
    return client_id(sandbox, PORTFOLIO_CLIENT_REF)


def test_the_band_is_the_summary_region_only(viewer_client, sandbox, large):
    response = viewer_client.get(summary_url(PORTFOLIO_CLIENT_REF, large), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="client-summary"') and "<html" not in html
    assert "HX-Request" in response["Vary"]
    band = Band(html)
    assert not band.busy and sorted(band.lines) == ["NGN", "USD"]


def test_the_client_page_does_not_wait_for_the_summary(viewer_client, sandbox, large):
    response = viewer_client.get(f"/clients/{PORTFOLIO_CLIENT_REF}/")
    html = response.content.decode()
    assert response.status_code == 200
    # The profile and the first page of loans, as tests/clients/test_page_costs.py says.
    calls = sandbox.received()
    assert [call["path"] for call in calls] == [
        f"/v1/clients/{PORTFOLIO_CLIENT_REF}",
        f"/v1/clients/{large}/loans",
    ]
    assert calls[1]["query"]["perPage"] == "25"
    band = Band(html)
    assert band.busy and band.lines == {}  # the skeleton, no figures
    assert f'hx-get="{summary_url(PORTFOLIO_CLIENT_REF, large)}" hx-trigger="load"' in html
    assert html.index('id="client-summary"') < html.index('id="client-tabs"')  # above the tabs
    assert "Show the portfolio summary" in html  # for browsers without JavaScript


def test_a_plain_visit_goes_to_the_client_page_with_the_band(viewer_client, sandbox, large):
    response = viewer_client.get(summary_url(PORTFOLIO_CLIENT_REF, large))
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{PORTFOLIO_CLIENT_REF}/?summary=1"
    page = viewer_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="client-name"' in html and 'id="client-tabs"' in html  # the whole page
    band = Band(html)
    assert not band.busy and sorted(band.lines) == ["NGN", "USD"]  # filled in, not asked for


def test_the_bands_figures_are_the_summarys(viewer_client, sandbox, large):
    html = viewer_client.get(
        summary_url(PORTFOLIO_CLIENT_REF, large), headers=HTMX
    ).content.decode()
    band = Band(html)
    cache.clear()  # read again, not the band's own cached reading
    summary = portfolio_summary(client_id=large)
    assert list(band.lines) == [line.currency for line in summary.currencies] == ["NGN", "USD"]
    for line in summary.currencies:
        symbol = SYMBOLS[line.currency]

        def shown(name: str, currency: str = line.currency) -> dict:
            return band.figure(currency, name)

        assert shown("active_loans")["value"] == str(line.active_loans)
        assert shown("active_loans")["note"] == f"of {line.loans} loans"
        for name, figure in (
            ("outstanding", line.outstanding),
            ("overdue", line.overdue_amount),
            ("disbursed", line.disbursed),
            ("deposited_12m", line.deposited_12m),
            ("last_deposit", line.last_deposit_amount),
            ("reversals_12m", line.reversed_12m),
        ):
            assert amount(shown(name)["value"]) == (symbol, figure), (line.currency, name)
        assert shown("overdue")["note"].startswith(f"{line.overdue_loans} loan")
        assert shown("overdue")["warning"] is (line.overdue_loans > 0)
        assert shown("last_deposit")["note"] == f"on {day(line.last_deposit_on)}"
        assert not shown("outstanding")["warning"]
    ngn = summary.currency("NGN")
    assert ngn.overdue_loans > 0 and ngn.reversals_12m > 0  # the seed covers both
    assert band.figure("NGN", "reversals_12m")["note"] == f"{ngn.reversals_12m} reversals"
    assert band.figure("NGN", "reversals_12m")["value"].startswith("-₦")
    as_of = timezone.localtime(summary.as_of)
    assert " ".join(band.basis.split()) == (
        f"Based on 230 loans and 310 deposits, as of {as_of:%H:%M}."
    )


def test_the_band_is_kept_briefly(viewer_client, sandbox, large):
    url = summary_url(PORTFOLIO_CLIENT_REF, large)
    viewer_client.get(url, headers=HTMX)
    assert len(sandbox.received()) == 7  # ceil(230 / 100) + ceil(310 / 100)
    sandbox.forget_received()
    assert viewer_client.get(url, headers=HTMX).status_code == 200
    assert sandbox.received() == []


def test_a_client_without_loans_or_deposits(viewer_client, sandbox):
    empty = client_id(sandbox, EMPTY_CLIENT_REF)
    response = viewer_client.get(summary_url(EMPTY_CLIENT_REF, empty), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "No loans or deposits yet." in html
    assert Band(html).lines == {}


def test_the_cap_says_the_figures_are_partial(viewer_client, sandbox, large, settings):
    settings.SUMMARY_MAX_PAGES = 1
    html = viewer_client.get(
        summary_url(PORTFOLIO_CLIENT_REF, large), headers=HTMX
    ).content.decode()
    assert " ".join(Band(html).basis.split()).startswith(
        "Based on 100 loans and 100 deposits, as of "
    )
    assert "Partial: the first 100 of 230 loans and the first 100 of 310 deposits." in html


def test_an_api_failure_is_a_retry_in_the_band_only(viewer_client, sandbox, large):
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{large}/")
    url = summary_url(PORTFOLIO_CLIENT_REF, large)
    response = viewer_client.get(url, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 503 and response["Dashboard-Fragment"] == "1"
    assert html.lstrip().startswith('<section id="client-summary"') and "data-region" in html
    assert "not answering" in html and "data-region-error" in html
    retry = url.replace("&", "&amp;")
    assert f'href="{retry}"\n       hx-get="{retry}" hx-target="closest [data-region]"' in html
    sandbox.clear_faults()
    again = viewer_client.get(url, headers=HTMX)
    assert again.status_code == 200 and sorted(Band(again.content.decode()).lines) == [
        "NGN",
        "USD",
    ]


def test_a_failing_summary_leaves_the_rest_of_the_page(viewer_client, sandbox, large):
    # Page 2 and later fail: the page's first page of loans is read, the summary is not.
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{large}/", min_page=2)
    response = viewer_client.get(f"/clients/{PORTFOLIO_CLIENT_REF}/?summary=1")
    html = response.content.decode()
    assert response.status_code == 503
    assert 'id="client-name"' in html and "LN-" in html  # the profile and the loans tab
    band = html.split('id="client-summary"')[1].split('id="client-tabs"')[0]
    assert "data-region-error" in band and "Retry" in band


def test_an_unknown_client_is_a_404(viewer_client, sandbox):
    assert viewer_client.get("/clients/CL-999999/summary/", headers=HTMX).status_code == 404


def test_without_an_id_the_client_is_found_by_reference(viewer_client, sandbox):
    # A hand-typed address without the id: the client is found by reference, as tabs do.
    response = viewer_client.get(f"/clients/{PORTFOLIO_CLIENT_REF}/summary/", headers=HTMX)
    assert response.status_code == 200
    assert sorted(Band(response.content.decode()).lines) == ["NGN", "USD"]


def test_only_get(viewer_client, sandbox, large):
    response = viewer_client.post(summary_url(PORTFOLIO_CLIENT_REF, large), headers=HTMX)
    assert response.status_code == 405


def test_a_client_deleted_since_the_page_was_read_says_so_in_the_band(viewer_client, sandbox):
    response = viewer_client.get(summary_url(EMPTY_CLIENT_REF, "gone"), headers=HTMX)
    assert response.status_code == 404 and response["Dashboard-Fragment"] == "1"
    assert "This client no longer exists." in response.content.decode()
