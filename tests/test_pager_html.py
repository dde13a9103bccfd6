"""The pager drawn in Python (dashboard/pager_html.py): what it says and links to, every
value escaped. The list page's golden files hold its exact markup."""

from html.parser import HTMLParser

from dashboard.api import Page
from dashboard.pager_html import pager_html
from dashboard.paging import build_pager, with_query

HOSTILE = "<script>\"x\"&'y'"


class Elements(HTMLParser):
    """The start tags of a fragment, with their attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(" ".join(data.split()))

    def all(self, tag: str, **wanted: str | None) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(key) == value for key, value in wanted.items())
        ]


def drawn(
    total, *, page=1, per_page=25, rows=None, term="", target="#client-results", noun="clients"
):
    total_pages = None if total is None else max(1, -(-total // per_page))
    count = per_page if rows is None else rows
    answer = Page(
        items=list(range(count)),
        page=page,
        per_page=per_page,
        total=total,
        total_pages=total_pages,
    )
    pager = build_pager(answer, link=lambda params: with_query("/clients/", {"q": term, **params}))
    return pager_html(pager, target=target, noun=noun)


def test_it_says_where_the_page_is():
    assert "51–75 of 1,000 clients · page 3 of 40" in Elements(drawn(1000, page=3)).text
    assert "1–25 clients" in Elements(drawn(None)).text  # a total the API did not give
    assert not any("clients" in text for text in Elements(drawn(0, rows=0)).text)


def test_links_go_to_pages_and_the_first_ones_wait_on_page_one():
    page = Elements(drawn(1000, page=1))
    disabled = page.all("span", **{"class": "page-link", "aria-disabled": "true"})
    assert len(disabled) == 2  # First and Previous
    links = page.all("a", **{"class": "page-link"})
    assert [link["href"] for link in links] == [
        "/clients/?page=2&perPage=25",
        "/clients/?page=40&perPage=25",
    ]
    assert all(link["hx-get"] == link["hx-push-url"] == link["href"] for link in links)
    assert page.all("nav", **{"aria-label": "Clients: pages", "hx-target": "#client-results"})


def test_one_page_has_no_page_links_but_keeps_its_sizes():
    page = Elements(drawn(7, rows=7))
    assert not page.all("nav", **{"aria-label": "Clients: pages"})
    assert page.all("span", **{"aria-current": "true"})  # 25 rows, the current size
    sizes = page.all("a", **{"class": "px-1"})
    assert [size["href"] for size in sizes] == [
        f"/clients/?page=1&perPage={size}" for size in (10, 50, 100)
    ]


def test_many_pages_offer_a_page_by_number():
    page = Elements(drawn(1000, page=3, term="Ada"))
    assert page.all("form", action="/clients/", **{"data-pager-jump": None})
    assert page.all("input", name="page", max="40", type="number")
    hidden = [(field["name"], field["value"]) for field in page.all("input", type="hidden")]
    assert hidden == [("q", "Ada"), ("perPage", "25")]  # around page, in the links' order
    assert not Elements(drawn(7 * 25)).all("form")  # seven pages: the links are enough


def test_every_value_is_escaped():
    html = drawn(1000, page=3, term=HOSTILE, target='#x"><b', noun="<i>n&m</i>")
    assert "<script>" not in html and "<i>" not in html and '"><b' not in html
    page = Elements(html)
    assert page.all("input", type="hidden", name="q", value=HOSTILE)  # given back as typed
    assert page.all("nav", **{"hx-target": '#x"><b', "aria-label": "<i>n&m</i>: pages"})
    assert "51–75 of 1,000 <i>n&m</i> · page 3 of 40" in page.text
    assert all("<script>" not in (link["href"] or "") for link in page.all("a"))
