"""Paging controls shared by every paginated region: reading `page`/`perPage`
from the query string safely, and building the pager's links.

Links are built here, not in templates: each has a real `href` (the full page,
pushed to the address bar) and, for htmx, the URL of the region alone.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote_plus, urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict

from dashboard.api import Page

T = TypeVar("T")

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
MAX_PAGE = 1_000_000  # beyond any real book; keeps the API's offset arithmetic sane
JUMP_AFTER_PAGES = 7  # more pages than this: the pager also offers "Go to page"


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    notes: tuple[str, ...] = ()  # what was corrected in the query string, for the user


def read_paging(query: QueryDict, *, default_per_page: int = DEFAULT_PER_PAGE) -> Paging:
    """`page` and `perPage` from a query string: clamped, never an error."""
    notes = []
    raw_page = query.get("page", "1").strip() or "1"
    try:
        page = int(raw_page)
    except ValueError:
        notes.append(f"“{raw_page[:20]}” is not a page number: showing page 1.")
        page = 1
    if page < 1:
        notes.append(f"There is no page {page}: showing page 1.")
        page = 1
    elif page > MAX_PAGE:
        notes.append(f"Page {page:,} is out of range: showing page 1.")
        page = 1
    raw_size = query.get("perPage", str(default_per_page)).strip() or str(default_per_page)
    try:
        per_page = int(raw_size)
    except ValueError:
        per_page = 0
    if per_page not in PER_PAGE_CHOICES:
        nearest = min(max(per_page, PER_PAGE_CHOICES[0]), PER_PAGE_CHOICES[-1])
        nearest = min(PER_PAGE_CHOICES, key=lambda choice: abs(choice - nearest))
        notes.append(f"“{raw_size[:20]}” rows per page is not offered: showing {nearest}.")
        per_page = nearest
    return Paging(page=page, per_page=per_page, notes=tuple(notes))


def page_of(items: Sequence[T] | QuerySet, paging: Paging) -> Page[T]:
    """One page of a list the API returned whole (search results) or of a query."""
    total = items.count() if isinstance(items, QuerySet) else len(items)
    start = (paging.page - 1) * paging.per_page
    return Page(
        items=list(items[start : start + paging.per_page]),
        page=paging.page,
        per_page=paging.per_page,
        total=total,
        total_pages=max(1, -(-total // paging.per_page)),
    )


def with_query(path: str, params: dict[str, Any]) -> str:
    """`path?params`, leaving out empty values and the defaults a link need not repeat.

    For str and int values (all any caller passes; bytes would be written as str writes
    them) the query is urlencode's (tests/test_paging.py compares them); a pager builds some
    twenty links, nearly all of whose keys and values (`page`, `3`) need no quoting, and
    urlencode quotes each one through three functions all the same."""
    query = "&".join(
        f"{_query_text(key)}={_query_text(value)}"
        for key, value in params.items()
        if value is not None and value != ""
    )
    return f"{path}?{query}" if query else path


# The characters quote_plus leaves as they are.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _query_text(value: Any) -> str:
    text = value if type(value) is str else str(value)  # str(): as urlencode does
    return text if _UNQUOTED(text) else quote_plus(text)


@dataclass(frozen=True)
class PagerLink:
    label: str
    href: str
    hx_get: str
    disabled: bool = False
    current: bool = False


@dataclass(frozen=True)
class PagerJump:
    """The "Go to page" form: a GET of the full page (`action`), or with htmx of the region
    (`hx_get`), carrying the page's other parameters; its `page` is read by read_paging."""

    action: str
    hx_get: str
    before: list[tuple[str, str]]  # hidden fields before `page`, as in the links' order
    after: list[tuple[str, str]]


@dataclass(frozen=True)
class Pager:
    page: Page
    links: list[PagerLink]
    sizes: list[tuple[int, str, str]]  # (rows per page, href, hx-get)
    jump: PagerJump | None = None

    @property
    def past_the_end(self) -> bool:
        return not self.page.items and self.page.page > 1


def build_pager(
    page: Page, *, link: Callable[[dict], str], fragment: Callable[[dict], str] | None = None
) -> Pager:
    """Pager links for `page`. `link(params)` gives the full page's URL for the
    page/perPage overrides; `fragment(params)` the region's URL (default: the same)."""
    fragment = fragment or link
    last = page.total_pages

    def entry(label: str, number: int, *, disabled: bool = False, current: bool = False):
        params = {"page": number, "perPage": page.per_page}
        return PagerLink(label, link(params), fragment(params), disabled, current)

    links = [
        entry("First", 1, disabled=page.page <= 1),
        entry("Previous", max(1, page.page - 1), disabled=not page.has_previous),
        entry("Next", page.page + 1, disabled=not page.has_next),
    ]
    if last is not None:
        links.append(entry("Last", last, disabled=page.page >= last))
    sizes = [
        (size, link({"page": 1, "perPage": size}), fragment({"page": 1, "perPage": size}))
        for size in PER_PAGE_CHOICES
    ]
    jump = None
    if last is not None and last > JUMP_AFTER_PAGES:
        here = {"page": page.page, "perPage": page.per_page}
        jump = page_jump(link(here), fragment(here))
    return Pager(page=page, links=links, sizes=sizes, jump=jump)


def page_jump(href: str, hx_get: str) -> PagerJump:
    """The form that asks for `href` with another page number: its path, and the other
    parameters as hidden fields in the order the links have them."""
    url = urlsplit(href)
    params = parse_qsl(url.query, keep_blank_values=True)
    names = [name for name, _ in params]
    cut = names.index("page") if "page" in names else len(params)
    return PagerJump(
        action=url.path,
        hx_get=urlsplit(hx_get).path,
        before=params[:cut],
        after=[(name, value) for name, value in params[cut:] if name != "page"],
    )


# --- rows per page, remembered -------------------------------------------------------
# A cookie for the browser session rather than the Django session: choosing a page size
# then costs no session write (a page makes two queries, tests/clients/test_page_costs.py).


def remembered_per_page(request: HttpRequest, *, cookie: str) -> int:
    """The rows per page last chosen in this browser session, for a URL that gives none."""
    remembered = request.COOKIES.get(cookie, "")
    for choice in PER_PAGE_CHOICES:  # compared as text: "²".isdigit(), yet int("²") fails
        if remembered == str(choice):
            return choice
    return DEFAULT_PER_PAGE


def remember_per_page(
    request: HttpRequest, response: HttpResponse, paging: Paging, *, cookie: str
) -> None:
    """Keep a `perPage` the URL chose (an offered one, not a corrected one) for next time."""
    chosen = request.GET.get("perPage", "").strip()
    if chosen != str(paging.per_page) or request.COOKIES.get(cookie) == chosen:
        return
    response.set_cookie(
        cookie,
        chosen,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
