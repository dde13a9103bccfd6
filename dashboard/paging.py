"""Paging controls shared by every paginated region: reading `page`/`perPage`
from the query string safely, and building the pager's links.

Links are built here, not in templates: each has a real `href` (the full page,
pushed to the address bar) and, for htmx, the URL of the region alone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict

from dashboard.api import Page

T = TypeVar("T")

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
MAX_PAGE = 1_000_000  # beyond any real book; keeps the API's offset arithmetic sane


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
    """`path?params`, leaving out empty values and the defaults a link need not repeat."""
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True)
class PagerLink:
    label: str
    href: str
    hx_get: str
    disabled: bool = False
    current: bool = False


@dataclass(frozen=True)
class Pager:
    page: Page
    links: list[PagerLink]
    sizes: list[tuple[int, str, str]]  # (rows per page, href, hx-get)

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
    return Pager(page=page, links=links, sizes=sizes)
