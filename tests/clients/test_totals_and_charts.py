"""The Loans and Deposits tabs' totals rows (every loan or deposit, not the page shown) and
the summary band's two charts, over the live sandbox; the charts' geometry on its own."""

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from dashboard.clients import charts
from dashboard.clients.portfolio import (
    CurrencySummary,
    LoanBalance,
    MonthOfDeposits,
    portfolio_summary,
)
from dashboard.clients.templatetags.formatting import money, money_short
from dashboard.sandbox.seed import EMPTY_CLIENT_REF, PORTFOLIO_CLIENT_REF
from tests.clients.test_portfolio import client_id, every
from tests.clients.test_summary_region import HTMX, VOID, amount, summary_url

REF = PORTFOLIO_CLIENT_REF


class Parsed(HTMLParser):
    """Each element's attributes by id, the text of each totals row by currency, and the
    rows of each visually hidden table by its caption."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.totals: dict[str, list[str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs: list[dict] = []
        self.open: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.by_id[attributes["id"]] = {"tag": tag, **attributes}
        if tag == "svg":
            self.svgs.append({**attributes, "title": "", "desc": "", "rects": 0})
        if tag == "rect" and self.svgs:
            self.svgs[-1]["rects"] += 1
        if tag == "tr":
            self.cells = []
        if tag in ("td", "th", "caption"):
            self.cells.append("")
        if tag not in VOID and tag != "rect" and tag != "line":
            self.open.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID or tag in ("rect", "line"):
            return
        opened, attributes = self.open.pop()
        if opened == "tr":
            cells = [" ".join(cell.split()) for cell in self.cells]
            if "data-currency" in attributes and self.inside_attribute("data-totals"):
                self.totals[attributes["data-currency"]] = cells
            table = self.hidden_table()
            if table is not None:
                self.tables.setdefault(table["caption"], []).append(cells)
        if opened == "caption":
            table = self.hidden_table()
            if table is not None:
                table["caption"] = " ".join(self.cells[-1].split())
                self.cells = []

    def handle_data(self, data):
        if self.cells and any(tag in ("td", "th", "caption") for tag, _ in self.open):
            self.cells[-1] += data
        names = [tag for tag, _ in self.open]
        if "svg" in names and names[-1] in ("title", "desc") and names[-2] == "svg":
            self.svgs[-1][names[-1]] += data

    def inside_attribute(self, name):
        return any(name in attributes for _, attributes in self.open)

    def hidden_table(self):
        """The attributes of the table being read, if it lies in a visually hidden element."""
        tables = [attributes for opened, attributes in self.open if opened == "table"]
        hidden = any("visually-hidden" in a.get("class", "").split() for _, a in self.open)
        return tables[-1] if tables and hidden else None


def totals_url(tab: str, client_id: str) -> str:
    return f"/clients/{REF}/{tab}/totals/?client_id={client_id}"


@pytest.fixture
def large(sandbox) -> str:
    return client_id(sandbox, REF)


def independent_totals(sandbox, client_id: str) -> dict:
    """Per currency, from every loan and deposit asked of the sandbox directly:
    (loans, their amounts, their balances) and (deposits, settled amounts net of reversals)."""
    loans = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for loan in every(sandbox, client_id, "loans"):
        line = loans[loan["currency"]]
        line[0] += 1
        line[1] += Decimal(loan["amount"])
        line[2] += Decimal(loan["outstandingBalance"] or 0)
    deposits = defaultdict(lambda: [0, Decimal(0)])
    for deposit in every(sandbox, client_id, "deposits"):
        line = deposits[deposit["currency"]]
        line[0] += 1
        # A reversed deposit came in and went back: it adds nothing.
        if deposit["status"] == "successful":
            line[1] += Decimal(deposit["amount"])
    sandbox.forget_received()
    return {"loans": dict(loans), "deposits": dict(deposits)}


def test_the_totals_are_of_every_loan_and_deposit(viewer_client, sandbox, large):
    expected = independent_totals(sandbox, large)
    symbols = {"NGN": "₦", "USD": "$"}
    for tab in ("loans", "deposits"):
        response = viewer_client.get(totals_url(tab, large), headers=HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith(f'<tfoot id="{tab}-totals"') and "<html" not in html
        found = Parsed(html).totals
        assert sorted(found) == sorted(expected[tab]) == ["NGN", "USD"]
        for currency, figures in expected[tab].items():
            cells = found[currency]
            noun = tab[:-1]
            assert cells[0] == f"{figures[0]} {currency} {noun}{'s' if figures[0] > 1 else ''}"
            shown = [amount(cell) for cell in cells[1 : len(figures)]]
            assert shown == [(symbols[currency], figure) for figure in figures[1:]], tab
        assert "not only this page" in html
    assert sum(n for n, _, _ in expected["loans"].values()) == 230


def test_the_page_asks_for_the_totals_once_the_band_has_them(viewer_client, sandbox, large):
    html = viewer_client.get(f"/clients/{REF}/").content.decode()
    footer = Parsed(html).by_id["loans-totals"]
    assert footer["hx-get"] == totals_url("loans", large)
    assert footer["hx-trigger"] == "portfolio-summary from:body"
    assert "come with the portfolio summary" in html
    # The band announces itself; the page itself read no loan beyond its first page.
    band = viewer_client.get(summary_url(REF, large), headers=HTMX)
    assert json.loads(band["HX-Trigger"]) == {"portfolio-summary": {}}


def test_a_failed_band_announces_nothing(viewer_client, sandbox, large):
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{large}/")
    band = viewer_client.get(summary_url(REF, large), headers=HTMX)
    assert band.status_code == 503 and "HX-Trigger" not in band


def test_once_the_summary_is_read_the_tabs_show_the_totals_at_no_cost(
    viewer_client, sandbox, large
):
    viewer_client.get(f"/clients/{REF}/")  # which remembers the client's id
    viewer_client.get(summary_url(REF, large), headers=HTMX)
    sandbox.forget_received()
    for tab in ("loans", "deposits"):
        html = viewer_client.get(f"/clients/{REF}/{tab}/", headers=HTMX).content.decode()
        parsed = Parsed(html)
        assert "hx-get" not in parsed.by_id[f"{tab}-totals"]  # filled in, not asked for
        assert sorted(parsed.totals) == ["NGN", "USD"]
        assert viewer_client.get(totals_url(tab, large), headers=HTMX).status_code == 200
    # One page of each tab, and nothing for the totals (the summary's cache).
    assert [call["path"] for call in sandbox.received()] == [
        f"/v1/clients/{large}/loans",
        f"/v1/clients/{large}/deposits",
    ]


def test_a_tab_opened_later_asks_for_its_totals_at_once(viewer_client, sandbox, large):
    viewer_client.get(f"/clients/{REF}/")
    html = viewer_client.get(f"/clients/{REF}/deposits/", headers=HTMX).content.decode()
    footer = Parsed(html).by_id["deposits-totals"]
    assert footer["hx-trigger"] == "load" and footer["hx-get"] == totals_url("deposits", large)


def test_without_javascript_the_totals_come_with_the_summary(viewer_client, sandbox, large):
    response = viewer_client.get(totals_url("deposits", large))
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{REF}/?tab=deposits&summary=1"
    html = viewer_client.get(response["Location"]).content.decode()
    assert sorted(Parsed(html).totals) == ["NGN", "USD"]
    assert (
        'href="/clients/CL-PF-230-310/?tab=loans&amp;summary=1"'
        in viewer_client.get(f"/clients/{REF}/").content.decode()
    )  # the footer's link, for when the band was not asked for


def test_a_failure_is_a_retry_in_the_footer(viewer_client, sandbox, large):
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{large}/")
    response = viewer_client.get(totals_url("loans", large), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 503 and response["Dashboard-Fragment"] == "1"
    assert html.lstrip().startswith('<tfoot id="loans-totals"')
    assert "data-region-error" in html and "Retry" in html


def test_partial_totals_say_so(viewer_client, sandbox, large, settings):
    settings.SUMMARY_MAX_PAGES = 1
    html = viewer_client.get(totals_url("loans", large), headers=HTMX).content.decode()
    assert "Totals of the loans read, not all of them" in html
    assert Parsed(html).totals["NGN"][0].endswith("NGN loans")


def test_a_client_without_loans_has_no_totals_rows(viewer_client, sandbox):
    empty = client_id(sandbox, EMPTY_CLIENT_REF)
    url = f"/clients/{EMPTY_CLIENT_REF}/loans/totals/?client_id={empty}"
    response = viewer_client.get(url, headers=HTMX)
    assert response.status_code == 200 and Parsed(response.content.decode()).totals == {}


# --- the charts, in the band ------------------------------------------------------------


def test_each_chart_has_a_text_alternative_with_the_same_numbers(viewer_client, sandbox, large):
    html = viewer_client.get(summary_url(REF, large), headers=HTMX).content.decode()
    parsed = Parsed(html)
    cache.clear()
    summary = portfolio_summary(client_id=large)
    drawings = [svg for svg in parsed.svgs if svg.get("role") == "img"]
    assert len(drawings) == 2 * len(summary.currencies) == 4
    for svg in drawings:
        labels = svg["aria-labelledby"].split()
        assert [parsed.by_id[label]["tag"] for label in labels] == ["title", "desc"]
        assert svg["title"].strip() and svg["desc"].strip()
    for line in summary.currencies:
        months = parsed.tables[f"Deposits by month, {line.currency}"]
        assert months[0] == ["Month", "Came in", "Reversed"]
        assert [row[1:] for row in months[1:]] == [
            [money(month.deposits, line.currency), money(month.reversals, line.currency)]
            for month in line.months
        ]
        loans = parsed.tables[f"Outstanding balance by loan, {line.currency}"]
        drawn, rest = line.balances[:6], line.balances[6:]
        expected = [
            [
                loan.reference,
                money(loan.outstanding, line.currency),
                "yes" if loan.overdue else "no",
            ]
            for loan in drawn
        ]
        if rest:
            others = sum(loan.outstanding for loan in rest)
            noun = "other loans" if len(rest) > 1 else "other loan"
            overdue = sum(loan.overdue for loan in rest)
            expected.append(
                [f"{len(rest)} {noun}", money(others, line.currency), f"{overdue} of them"]
            )
        assert loans[1:] == expected
    ngn = summary.currency("NGN")
    # Six loans one by one, then the others as one line.
    assert f"{len(ngn.balances) - 6} other loans" in html


def test_the_skeleton_reserves_the_charts_room(viewer_client, sandbox, large):
    html = viewer_client.get(f"/clients/{REF}/").content.decode()
    drawings = [
        svg for svg in Parsed(html).svgs if "summary-chart-drawing" in svg.get("class", "")
    ]
    boxes = [svg["viewbox"] for svg in drawings]
    assert boxes == [charts.VIEW_BOXES["months"], charts.VIEW_BOXES["balances"]]


# --- the charts' geometry -----------------------------------------------------------------


def line_of(months=(), balances=()) -> CurrencySummary:
    zero = Decimal(0)
    firsts = [date(2026, number, 1) for number in range(1, 13)]
    by_month = dict(months)
    return CurrencySummary(
        currency="NGN",
        loans=len(balances),
        active_loans=0,
        amount=zero,
        outstanding=sum((b.outstanding for b in balances), zero),
        overdue_loans=sum(b.overdue for b in balances),
        overdue_amount=zero,
        disbursed=zero,
        deposits=0,
        deposited=zero,
        received_12m=zero,
        reversals_12m=0,
        reversed_12m=zero,
        deposited_12m=zero,
        last_deposit_on=None,
        last_deposit_amount=None,
        months=tuple(
            MonthOfDeposits(first, *by_month.get(first.month, (zero, zero))) for first in firsts
        ),
        balances=tuple(balances),
    )


def test_deposits_go_up_and_reversals_down_from_one_zero_line():
    chart = charts.deposits_by_month(
        line_of(months=[(3, (Decimal(300), Decimal(-100))), (4, (Decimal("0.01"), Decimal(0)))])
    )
    march, april = chart.columns[2], chart.columns[3]
    room = charts.PLOT_BOTTOM - charts.PLOT_TOP
    assert chart.zero_y == charts.PLOT_TOP + room * 0.75  # 300 up, 100 down
    assert march.up_y == charts.PLOT_TOP and march.up_height == room * 0.75
    assert march.down_height == room * 0.25
    assert april.up_height == charts.MIN_BAR  # a cent is still a bar
    assert chart.columns[0].up_height == chart.columns[0].down_height == 0
    assert chart.largest == 300 and chart.any_reversal and not chart.empty
    for column in chart.columns:
        assert column.x >= 0 and column.x + charts.MONTH_BAR <= charts.MONTHS_WIDTH
        assert charts.LABEL_HALF <= chart.largest_x <= charts.MONTHS_WIDTH - charts.LABEL_HALF


def test_a_year_without_deposits_is_an_empty_chart():
    chart = charts.deposits_by_month(line_of())
    assert chart.empty and not chart.any_reversal
    assert all(column.up_height == column.down_height == 0 for column in chart.columns)


def test_balances_are_drawn_largest_first_and_the_rest_summed():
    balances = [
        LoanBalance(f"LN-{index:02d}", Decimal(1000 - index * 100), index == 1)
        for index in range(9)
    ]
    balances.append(LoanBalance("LN-A-VERY-LONG-REFERENCE-1", Decimal(5), False))
    chart = charts.balances_by_loan(line_of(balances=balances))
    assert [row.name for row in chart.rows] == [f"LN-{i:02d}" for i in range(6)] + [
        "4 other loans"
    ]
    assert chart.rows[0].bar_width == charts.BAR_RIGHT - charts.BAR_LEFT
    assert chart.rows[1].overdue and chart.rows[1].bar_width == pytest.approx(152 * 0.9)
    other = chart.rows[-1]
    assert other.other and other.bar_width == 0 and not other.overdue
    assert other.outstanding == Decimal(400 + 300 + 200 + 5)
    assert chart.rows[-1].bar_y + charts.BAR_THICKNESS <= charts.BALANCES_HEIGHT


def test_long_references_are_cut_short_in_the_drawing_only():
    reference = "LN-A-VERY-LONG-REFERENCE-1"
    chart = charts.balances_by_loan(line_of(balances=[LoanBalance(reference, Decimal(5), False)]))
    assert chart.rows[0].name == reference
    assert chart.rows[0].label == reference[:12] + "…"


def test_no_balance_is_an_empty_chart():
    assert charts.balances_by_loan(line_of()).empty


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("4425000", "₦4.42M"),  # three significant digits, rounded half-even
        ("17250000", "₦17.2M"),
        ("149000000.00", "₦149M"),
        ("950000", "₦950k"),
        ("27500.50", "₦27.5k"),
        ("961", "₦961"),
        ("-12506961.23", "-₦12.5M"),
        ("2000000000000", "₦2.00T"),
    ],
)
def test_short_money_for_chart_labels(value, shown):
    assert money_short(Decimal(value), "NGN") == shown


def test_the_marks_escape_what_the_api_sent():
    hostile = '<script>alert("x")</script>&'
    chart = charts.balances_by_loan(line_of(balances=[LoanBalance(hostile, Decimal(5), True)]))
    svg = str(charts.balance_marks(chart, '"><img src=x>'))
    assert "<script>" not in svg and "<img" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in svg
    assert 'class="chart-overdue"' in svg and "chart-bar-overdue" in svg
    months = str(charts.month_marks(charts.deposits_by_month(line_of()), "<b>"))
    assert "<b>" not in months and "&lt;b&gt;" in months
