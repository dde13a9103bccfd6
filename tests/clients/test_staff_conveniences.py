"""Small things staff notice, on the server: the pager's "Go to page" form and how its
number is checked, rows per page remembered for the browser session, and "Signed out"."""

from html.parser import HTMLParser

import pytest

from dashboard.api import Page
from dashboard.clients.browse import LIST_PER_PAGE_COOKIE
from dashboard.paging import build_pager, with_query


def get(client, url, htmx=False):
    return client.get(url, headers={"HX-Request": "true"} if htmx else {})


class JumpForm(HTMLParser):
    """The attributes of the pager's "Go to page" form and its fields, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.form: dict | None = None
        self.fields: list[dict] = []
        self.inside = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "data-pager-jump" in attributes:
            self.form, self.inside = attributes, True
        elif tag in ("input", "button") and self.inside:
            self.fields.append({"tag": tag, **attributes})

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


# --- Go to page ------------------------------------------------------------------------


def test_more_than_seven_pages_offer_go_to_page(viewer_client, sandbox):
    jump = JumpForm(get(viewer_client, "/clients/?page=2&perPage=10").content.decode())
    assert (jump.form["method"], jump.form["action"]) == ("get", "/clients/")
    assert (jump.form["hx-get"], jump.form["hx-target"]) == ("/clients/", "#client-results")
    assert [(f["tag"], f.get("type"), f.get("name"), f.get("value")) for f in jump.fields] == [
        ("input", "number", "page", None),
        ("input", "hidden", "perPage", "10"),
        ("button", "submit", None, None),
    ]
    number = jump.fields[0]
    # 1,000 seeded clients, more once other tests have added some.
    assert (number["min"], int(number["max"]) >= 100, "required" in number) == ("1", True, True)


def test_the_list_fragment_offers_go_to_page_too(viewer_client, sandbox):
    jump = JumpForm(get(viewer_client, "/clients/", htmx=True).content.decode())
    assert jump.form is not None and int(jump.fields[0]["max"]) >= 40  # 1,000+ clients at 25


def test_a_search_has_at_most_five_pages_so_no_go_to_page(viewer_client, sandbox):
    html = get(viewer_client, "/clients/?q=a&perPage=10").content.decode()
    assert "1–10 of 50 clients" in html and JumpForm(html).form is None


def test_go_to_page_carries_the_other_parameters_in_the_links_order():
    page = Page(items=[1], page=2, per_page=10, total=500, total_pages=50)
    pager = build_pager(page, link=lambda params: with_query("/clients/", {"q": "ok", **params}))
    assert (pager.jump.action, pager.jump.hx_get) == ("/clients/", "/clients/")
    assert (pager.jump.before, pager.jump.after) == ([("q", "ok")], [("perPage", "10")])


def test_up_to_seven_pages_have_no_go_to_page():
    def pager(total_pages: int):
        page = Page(
            items=[1], page=1, per_page=10, total=total_pages * 10, total_pages=total_pages
        )
        return build_pager(page, link=lambda params: with_query("/clients/", params))

    assert pager(7).jump is None
    assert pager(8).jump is not None
    unknown = Page(items=[1], page=1, per_page=10, total=None, total_pages=None)
    assert build_pager(unknown, link=lambda params: with_query("/x/", params)).jump is None


def test_a_tabs_go_to_page_asks_the_region_and_names_the_full_page():
    page = Page(items=[1], page=3, per_page=10, total=120, total_pages=12)
    pager = build_pager(
        page,
        link=lambda params: with_query("/clients/CL-1/", {"tab": "deposits", **params}),
        fragment=lambda params: with_query("/clients/CL-1/deposits/", params),
    )
    assert pager.jump.action == "/clients/CL-1/"
    assert pager.jump.hx_get == "/clients/CL-1/deposits/"
    assert (pager.jump.before, pager.jump.after) == ([("tab", "deposits")], [("perPage", "10")])


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("abc", "“abc” is not a page number: showing page 1."),
        ("0", "There is no page 0: showing page 1."),
        ("-2", "There is no page -2: showing page 1."),
        ("", "1–25 of"),  # an empty box is page 1
        ("99999999", "out of range: showing page 1."),
        ("5000", "There is no page 5000; the last is "),
    ],
)
def test_a_typed_page_number_is_checked_on_the_server(viewer_client, sandbox, page, shown):
    """What the form sends when the browser's own min/max checks are bypassed."""
    response = get(viewer_client, f"/clients/?page={page}&perPage=25")
    assert response.status_code == 200
    assert shown in response.content.decode()


# --- rows per page, remembered -----------------------------------------------------------


def test_rows_per_page_chosen_once_are_used_when_the_url_gives_none(viewer_client, sandbox):
    response = get(viewer_client, "/clients/?page=2&perPage=10", htmx=True)
    cookie = response.cookies[LIST_PER_PAGE_COOKIE]
    assert cookie.value == "10"
    assert (cookie["max-age"], cookie["httponly"], cookie["samesite"]) == ("", True, "Lax")
    sandbox.forget_received()
    html = get(viewer_client, "/clients/").content.decode()
    assert sandbox.received()[0]["query"] == {"page": "1", "perPage": "10"}
    assert '<input type="hidden" name="perPage" value="10" form="client-search">' in html
    assert "1–10 of 1," in html


def test_a_url_that_gives_rows_per_page_wins_and_is_remembered(viewer_client, sandbox):
    get(viewer_client, "/clients/?perPage=10")
    response = get(viewer_client, "/clients/?perPage=50")
    assert "1–50 of" in response.content.decode()
    assert response.cookies[LIST_PER_PAGE_COOKIE].value == "50"
    again = get(viewer_client, "/clients/?perPage=50")
    assert LIST_PER_PAGE_COOKIE not in again.cookies  # unchanged: not set again


def test_a_corrected_rows_per_page_is_not_remembered(viewer_client, sandbox):
    get(viewer_client, "/clients/?perPage=50")
    response = get(viewer_client, "/clients/?perPage=7")  # not offered: shows 10
    assert "1–10 of" in response.content.decode()
    assert LIST_PER_PAGE_COOKIE not in response.cookies
    assert "1–50 of" in get(viewer_client, "/clients/").content.decode()


@pytest.mark.parametrize("value", ["7", "abc", "-10", "1000000"])
def test_a_tampered_cookie_is_ignored(viewer_client, sandbox, value):
    viewer_client.cookies[LIST_PER_PAGE_COOKIE] = value
    html = get(viewer_client, "/clients/").content.decode()
    assert "1–25 of" in html and "rows per page is not offered" not in html


def test_the_search_uses_the_remembered_rows_per_page(viewer_client, sandbox):
    get(viewer_client, "/clients/?perPage=10")
    assert "1–10 of 50 clients" in get(viewer_client, "/clients/?q=a").content.decode()


# --- Signed out --------------------------------------------------------------------------


def test_signing_out_says_so_on_the_sign_in_page(viewer_client):
    response = viewer_client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    html = response.content.decode()
    assert "Signed out." in html and 'role="status"' in html
    again = viewer_client.get("/accounts/login/").content.decode()
    assert "Signed out." not in again  # shown once


def test_an_anonymous_sign_out_says_nothing(client, db):
    response = client.post("/accounts/logout/", follow=True)
    assert "Signed out." not in response.content.decode()


@pytest.mark.parametrize("odd", ["²", "1e2", "-10", " 10", "10000000000000000000000"])
def test_an_odd_rows_per_page_cookie_is_ignored(viewer_client, sandbox, odd):
    viewer_client.cookies[LIST_PER_PAGE_COOKIE] = odd
    sandbox.forget_received()
    assert viewer_client.get("/clients/").status_code == 200
    assert sandbox.received()[0]["query"]["perPage"] == "25"
