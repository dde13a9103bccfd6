"""The Clients API, as plain functions: the only code that knows its paths.

Every function takes keyword-only arguments and returns records from
`records.py` or raises an `errors.ApiError`. Field names going out are the
dashboard's snake_case ones; this module translates both ways.
"""

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from . import errors, search
from .envelopes import describe_shape, unwrap_data, unwrap_page
from .records import (
    CLIENT_FIELDS,
    Client,
    Deposit,
    Loan,
    Page,
    ParsedOnRead,
    client_from_api,
    deposit_from_api,
    loan_from_api,
)
from .search import SearchAnswer
from .transport import request

T = TypeVar("T")
logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100  # the contract's ceiling for perPage

# The body fields each write accepts (dashboard name -> API name). Anything
# else a caller passes is refused here, so a stray `id` or `status` never
# reaches the API.
WRITABLE_FIELDS = {
    name: api_name
    for api_name, name in CLIENT_FIELDS.items()
    if name not in ("id", "client_ref", "created_at", "updated_at")
}
REQUIRED_ON_CREATE = ("first_name", "last_name", "dob", "address", "state", "country")
REQUIRED_ON_UPDATE = ("first_name", "last_name", "dob")
API_TO_FIELD = {api: name for api, name in CLIENT_FIELDS.items()}


def segment(value: str) -> str:
    """One URL path segment: `a/b?c` must not become another path."""
    if value in (".", ".."):
        # requests decodes %2E back to "." and dot segments are then resolved
        # away: "/v1/clients/.." would become another endpoint. Nothing is named so.
        raise errors.NotFound()
    return quote(value, safe="")


def _page_params(page: int, per_page: int) -> dict[str, int]:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")
    return {"page": page, "perPage": per_page}


def client_list(*, page: int = 1, per_page: int = 25) -> Page[Client]:
    # GET /v1/clients?page={page}&perPage={perPage} (a 404 is an empty book or page)
    try:
        return _listing("/v1/clients", "GET /v1/clients", client_from_api, page, per_page)
    except errors.NotFound:
        return Page(items=[], page=page, per_page=per_page, total=None, total_pages=None)


def client_get(*, client_ref: str) -> Client:
    # GET /v1/clients/{clientRef} (shares its path with search)
    if not client_ref:
        raise errors.NotFound()
    body = request(
        "GET", f"/v1/clients/{segment(client_ref)}", endpoint="GET /v1/clients/{clientRef}"
    )
    with understood("a client"):
        data = unwrap_data(body)
        if isinstance(data, Mapping):
            return client_from_api(data)
        if isinstance(data, list):  # a search answer: the reference matched no client exactly
            for client in map(client_from_api, data):
                if client.client_ref == client_ref:
                    return client
            raise errors.NotFound()
        if data is None:
            raise errors.NotFound()
    raise errors.BadResponse(f"{describe_shape(data)} for a client")


def client_search(*, term: str) -> SearchAnswer:
    # GET /v1/clients/{search} for the term's most selective word; matches every word
    searching = search.plan(term)
    question = searching.question
    if question is None:
        return SearchAnswer(clients=[], exact=False)
    try:
        path = f"/v1/clients/{segment(question)}"
    except errors.NotFound:
        return SearchAnswer(clients=[], exact=False)
    try:
        body = request("GET", path, endpoint="GET /v1/clients/{search}")
    except errors.NotFound:  # some APIs answer "no matches" with a 404
        return SearchAnswer(clients=[], exact=False, asked=question)
    with understood("a search"):
        data = unwrap_data(body)
        if isinstance(data, Mapping):
            return searching.answer([client_from_api(data)], one_client=True)
        if data is None:
            return SearchAnswer(clients=[], exact=False, asked=question)
        if not isinstance(data, list):
            raise errors.BadResponse(f"{describe_shape(data)} for a search")
        clients = [client_from_api(item) for item in data]
    return searching.answer(clients, one_client=False)


def client_loans(*, client_id: str, page: int = 1, per_page: int = 25) -> Page[Loan]:
    # GET /v1/clients/{clientId}/loans?page={page}&perPage={perPage}
    return _listing(*_loans_listing(client_id), page, per_page)


def client_deposits(*, client_id: str, page: int = 1, per_page: int = 25) -> Page[Deposit]:
    # GET /v1/clients/{clientId}/deposits?page={page}&perPage={perPage}
    return _listing(*_deposits_listing(client_id), page, per_page)


def client_create(*, fields: Mapping[str, Any], idempotency_key: str) -> Client:
    # POST /v1/clients (customData documented as a JSON string here)
    # The same `idempotency_key` on a repeated Save lets an API that honours the
    # header answer with the client it already made, instead of a twin.
    body = _write_body(fields, required=REQUIRED_ON_CREATE, custom_data_as_text=True)
    data = _writes(
        lambda: request(
            "POST",
            "/v1/clients",
            endpoint="POST /v1/clients",
            body=body,
            headers={"Idempotency-Key": idempotency_key},
        )
    )
    return _written_client(data)


def client_update(
    *, client_id: str, changes: Mapping[str, Any], current: Mapping[str, Any]
) -> Client:
    # PATCH /v1/clients/{clientId} (customData documented as an object here)
    # The API wants first and last name and date of birth on every PATCH, changed or not:
    # those not in `changes` are sent as `current` (the client's values) has them.
    fields = {name: current.get(name) for name in REQUIRED_ON_UPDATE} | dict(changes)
    body = _write_body(fields, required=REQUIRED_ON_UPDATE, custom_data_as_text=False)
    data = _writes(
        lambda: request(
            "PATCH",
            f"/v1/clients/{segment(client_id)}",
            endpoint="PATCH /v1/clients/{clientId}",
            body=body,
        )
    )
    return _written_client(data)


def client_delete(*, client_id: str) -> None:
    # DELETE /v1/clients/{clientId}: 200 with data null, or 204
    _writes(
        lambda: request(
            "DELETE", f"/v1/clients/{segment(client_id)}", endpoint="DELETE /v1/clients/{clientId}"
        )
    )


@dataclass(frozen=True)
class Listing(Generic[T]):
    """A paginated endpoint, read by page number, for exports and portfolios: knowing the
    number of each page lets several be asked for at once (pages_ahead.py).

    Where the list ends is for `is_last_page`, and an API that ignores `page` is
    caught by `check_page_follows`; both look at the pages in order.
    """

    path: str
    endpoint: str
    parse: Callable[[Any], T] = field(repr=False)
    per_page: int
    # A 404 is the end of the list (the client list), not a missing client (its loans).
    missing_is_empty: bool = False

    def page(self, number: int) -> Page[T]:
        """One page. Its items are parsed when first read (records.ParsedOnRead): by the
        thread that writes them, not the one that fetched them."""
        try:
            return _listing(self.path, self.endpoint, self.parse, number, self.per_page, lazy=True)
        except errors.NotFound:
            if not self.missing_is_empty:
                raise
            return Page(
                items=[], page=number, per_page=self.per_page, total=None, total_pages=None
            )

    def __iter__(self) -> Iterator[Page[T]]:
        """Every page, in order, one call at a time."""
        previous = self.page(1)
        yield previous
        number = 2
        while not is_last_page(previous):
            page = self.page(number)
            check_page_follows(previous, page)
            yield page
            previous, number = page, number + 1


def clients_listing(*, per_page: int = MAX_PER_PAGE) -> Listing[Client]:
    # GET /v1/clients?page={page}&perPage={perPage}, page by page (a 404 ends the list)
    return Listing(
        "/v1/clients", "GET /v1/clients", client_from_api, per_page, missing_is_empty=True
    )


def client_loans_listing(*, client_id: str, per_page: int = MAX_PER_PAGE) -> Listing[Loan]:
    # GET /v1/clients/{clientId}/loans?page={page}&perPage={perPage}, page by page
    return Listing(*_loans_listing(client_id), per_page)


def client_deposits_listing(*, client_id: str, per_page: int = MAX_PER_PAGE) -> Listing[Deposit]:
    # GET /v1/clients/{clientId}/deposits?page={page}&perPage={perPage}, page by page
    return Listing(*_deposits_listing(client_id), per_page)


def clients_pages(*, per_page: int = MAX_PER_PAGE) -> Iterator[Page[Client]]:
    """Every page of the client list, in order, one call at a time."""
    return iter(clients_listing(per_page=per_page))


def client_loans_pages(*, client_id: str, per_page: int = MAX_PER_PAGE) -> Iterator[Page[Loan]]:
    return iter(client_loans_listing(client_id=client_id, per_page=per_page))


def client_deposits_pages(
    *, client_id: str, per_page: int = MAX_PER_PAGE
) -> Iterator[Page[Deposit]]:
    return iter(client_deposits_listing(client_id=client_id, per_page=per_page))


def is_last_page(page: Page) -> bool:
    """Whether no page follows `page`: it is empty (a page past the end is, by the
    contract), it is the last of the totals it gives, or, without totals (a bare list),
    it holds fewer than a page's worth."""
    return not page.items or not page.has_next


def check_page_follows(previous: Page, page: Page) -> None:
    """Raise BadResponse when `page`, read after `previous`, starts with the same record:
    an API that ignores `page` answers page 1 every time, an endless export otherwise."""
    first = _first_id(page)
    if first is not None and first == _first_id(previous):
        raise errors.BadResponse("the same page twice")


# --- helpers ------------------------------------------------------------------


def _loans_listing(client_id: str) -> tuple[str, str, Callable[[Any], Loan]]:
    return (
        f"/v1/clients/{segment(client_id)}/loans",
        "GET /v1/clients/{clientId}/loans",
        loan_from_api,
    )


def _deposits_listing(client_id: str) -> tuple[str, str, Callable[[Any], Deposit]]:
    return (
        f"/v1/clients/{segment(client_id)}/deposits",
        "GET /v1/clients/{clientId}/deposits",
        deposit_from_api,
    )


def _listing(
    path: str,
    endpoint: str,
    parse: Callable[[Any], T],
    page: int,
    per_page: int,
    *,
    lazy: bool = False,
) -> Page[T]:
    body = request("GET", path, endpoint=endpoint, params=_page_params(page, per_page))
    with understood("a list"):
        return unwrap_page(body, page=page, per_page=per_page, parse=parse, lazy=lazy)


@contextmanager
def understood(what: str) -> Iterator[None]:
    """Whatever the API sent, reading it raises nothing but an ApiError.

    Records and envelopes check what they expect; this is the backstop for what
    nobody foresaw (a type that breaks a conversion, nesting that exhausts the stack).
    """
    try:
        yield
    except errors.ApiError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError):
        logger.warning("Unreadable Clients API answer for %s", what, exc_info=True)
        raise errors.BadResponse(what) from None


def _first_id(page: Page) -> Any:
    """The id of a page's first record, read without parsing the page."""
    raw = page.items.first_raw() if isinstance(page.items, ParsedOnRead) else None
    return (raw.get("id") or raw.get("_id")) if isinstance(raw, Mapping) else None


def _write_body(
    fields: Mapping[str, Any], *, required: tuple[str, ...], custom_data_as_text: bool
) -> dict[str, Any]:
    unknown = set(fields) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not writable: {', '.join(sorted(unknown))}")
    missing = [name for name in required if fields.get(name) in (None, "")]
    if missing:
        raise ValueError(f"required: {', '.join(missing)}")
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, date):
            value = value.isoformat()
        if name == "custom_data" and value is not None and custom_data_as_text:
            value = json.dumps(value, separators=(",", ":"), default=str)
        body[WRITABLE_FIELDS[name]] = value
    return body


def _writes(send: Callable[[], Any]) -> Any:
    """Run a write; report validation errors under the dashboard's field names."""
    try:
        body = send()
    except errors.ValidationFailed as failure:
        failure.errors = {
            API_TO_FIELD.get(key, key): value for key, value in failure.errors.items()
        }
        raise
    with done_but_unreadable():
        return unwrap_data(body)


def _written_client(data: Any) -> Client:
    """The client a successful write sent back."""
    with done_but_unreadable():
        if not isinstance(data, Mapping):
            raise errors.BadResponse(f"{describe_shape(data)} for a write")
        return client_from_api(data)


@contextmanager
def done_but_unreadable() -> Iterator[None]:
    """A write the API says succeeded, answered unreadably: its outcome is unknown."""
    try:
        with understood("a write's answer"):
            yield
    except errors.BadResponse:
        raise errors.OutcomeUnknown() from None
