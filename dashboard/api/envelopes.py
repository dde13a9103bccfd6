"""Unwrapping the Clients API's response envelopes.

The contract's shape is `{"status", "message", "data", "meta"}`; real lending
APIs also answer mongoose-paginate objects (`docs`, `totalDocs`, `limit`) and
bare lists. Anything else is a `BadResponse` that names the shape it got.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import BadResponse
from .records import Page, ParsedOnRead

T = TypeVar("T")


def describe_shape(body: Any) -> str:
    if isinstance(body, Mapping):
        keys = ", ".join(sorted(str(key) for key in body)[:8]) or "no keys"
        return f"an object with {keys}"
    if isinstance(body, list):
        return "a list"
    return f"a {type(body).__name__}"


MAX_COUNT = 10**12  # pages, totals: beyond any book; larger is not a count


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and len(value) > 20:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return number if 0 <= number <= MAX_COUNT else None


def unwrap_page(
    body: Any, *, page: int, per_page: int, parse: Callable[[Any], T], lazy: bool = False
) -> Page[T]:
    """Read a paginated list in any of the accepted envelopes; `lazy` leaves the items
    to be parsed when first read (see records.ParsedOnRead)."""
    meta: Mapping[str, Any] = {}
    data = body.get("data", body) if isinstance(body, Mapping) else body
    if isinstance(data, Mapping) and isinstance(data.get("docs"), list):
        meta, data = data, data["docs"]  # mongoose-paginate
    elif isinstance(body, Mapping) and isinstance(data, list):
        meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
    if not isinstance(data, list):
        raise BadResponse(f"{describe_shape(body)} where a list was expected")

    items = ParsedOnRead(data, parse) if lazy else [parse(item) for item in data]
    page = _number(meta.get("page")) or page
    per_page = _number(meta.get("perPage", meta.get("limit"))) or per_page
    total = _number(meta.get("total", meta.get("totalDocs")))
    total_pages = _number(meta.get("totalPages"))
    if total is not None and total_pages is None:
        total_pages = max(1, -(-total // per_page))
    return Page(items=items, page=page, per_page=per_page, total=total, total_pages=total_pages)


def unwrap_data(body: Any) -> Any:
    """The `data` of a success envelope; a bare object or list is its own data."""
    if isinstance(body, Mapping) and "data" in body:
        return body["data"]
    if isinstance(body, Mapping) and ("status" in body or "message" in body):
        raise BadResponse(f"{describe_shape(body)} without data")
    return body


def error_fields(body: Any) -> dict[str, list[str]]:
    """Field -> messages from an error body; tolerant of the common variants."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    result: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for name, messages in list(errors.items())[:MAX_ERROR_FIELDS]:
            if isinstance(messages, str):
                messages = [messages]
            if isinstance(messages, list):
                texts = [_short(message) for message in messages if _is_text(message)]
                if texts:
                    result[_short(name)] = texts[:10]
    elif isinstance(errors, list):  # [{"field": "dob", "message": "..."}] (express-validator)
        for entry in errors[:MAX_ERROR_FIELDS]:
            if isinstance(entry, Mapping):
                name = entry.get("field") or entry.get("path") or entry.get("param") or ""
                message = entry.get("message") or entry.get("msg")
                if _is_text(message) and _is_text(name):
                    result.setdefault(_short(name), []).append(_short(message))
    return result


MAX_ERROR_FIELDS = 50


def _is_text(value: Any) -> bool:
    # Only words are shown: a nested structure's text could be megabytes, or too deep to print.
    return isinstance(value, str) and value != ""


def _short(text: str) -> str:
    return text[:300]


def error_message(body: Any) -> str | None:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return None
