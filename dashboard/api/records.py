"""Typed records read from the Clients API, and the parsing of its JSON into them.

Field names of the wire contract stay in this module: the rest of the dashboard
sees snake_case attributes, `Decimal` money and `date`/`datetime` values.
Fields the contract does not name are kept in `extra`, never an error.
"""

import json
import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from .errors import BadResponse

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Client:
    id: str
    client_ref: str
    first_name: str
    last_name: str
    middle_name: str | None = None
    dob: date | None = None
    image: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    phone_number: str | None = None
    email: str | None = None
    custom_data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def age_on(self, today: date) -> int | None:
        if self.dob is None:
            return None
        before_birthday = (today.month, today.day) < (self.dob.month, self.dob.day)
        return today.year - self.dob.year - before_birthday


@dataclass(frozen=True, slots=True)
class Loan:
    id: str
    client_id: str
    reference: str
    amount: Decimal | None
    currency: str
    interest_rate: Decimal | None = None
    tenure_months: int | None = None
    outstanding_balance: Decimal | None = None
    status: str = ""
    disbursed_at: datetime | None = None
    due_date: date | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deposit:
    id: str
    client_id: str
    reference: str
    amount: Decimal | None
    currency: str
    channel: str = ""
    status: str = ""
    narration: str | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ParsedOnRead(Sequence[T]):
    """A page's items, made into records when first read, by whichever thread reads them.

    Exports fetch the next page on a helper thread; leaving the parsing to the
    thread that writes the rows keeps the fetching thread's turn short. A malformed
    item raises BadResponse on that first read.
    """

    __slots__ = ("_parse", "_raw", "_records")

    def __init__(self, raw: list[Any], parse: Callable[[Any], T]) -> None:
        self._raw, self._parse, self._records = raw, parse, None

    def _all(self) -> list[T]:
        if self._records is None:
            self._records = [self._parse(item) for item in self._raw]
        return self._records

    def first_raw(self) -> Any:
        return self._raw[0] if self._raw else None

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int | None  # None when the API sent a bare list without totals
    total_pages: int | None

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.total_pages is not None:
            return self.page < self.total_pages
        return len(self.items) >= self.per_page

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


# --- Parsing ------------------------------------------------------------------

CLIENT_FIELDS = {
    "id": "id",
    "_id": "id",
    "clientRef": "client_ref",
    "firstName": "first_name",
    "lastName": "last_name",
    "middleName": "middle_name",
    "dob": "dob",
    "image": "image",
    "address": "address",
    "city": "city",
    "state": "state",
    "country": "country",
    "phoneNumber": "phone_number",
    "email": "email",
    "customData": "custom_data",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
LOAN_FIELDS = {
    "id": "id",
    "_id": "id",
    "clientId": "client_id",
    "reference": "reference",
    "amount": "amount",
    "currency": "currency",
    "interestRate": "interest_rate",
    "tenureMonths": "tenure_months",
    "outstandingBalance": "outstanding_balance",
    "status": "status",
    "disbursedAt": "disbursed_at",
    "dueDate": "due_date",
    "createdAt": "created_at",
}
DEPOSIT_FIELDS = {
    "id": "id",
    "_id": "id",
    "clientId": "client_id",
    "reference": "reference",
    "amount": "amount",
    "currency": "currency",
    "channel": "channel",
    "status": "status",
    "narration": "narration",
    "createdAt": "created_at",
}


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # ids and phone numbers sometimes arrive as numbers
    raise ValueError(f"expected text, got {type(value).__name__}")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a decimal, got a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("expected a finite decimal")
        value = repr(value)  # the shortest repr round-trips: 0.1 stays 0.1, not 0.1000...0555
    if isinstance(value, str) and len(value) > MAX_NUMBER_CHARACTERS:
        raise ValueError("expected a decimal of sensible length")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("expected a decimal") from None
    if not number.is_finite():
        raise ValueError("expected a finite decimal")
    # 1e5000 is a valid decimal, and no amount, rate or count: it would break every
    # formatting of it downstream.
    if number and not -MAX_FRACTION_DIGITS <= number.adjusted() < MAX_WHOLE_DIGITS:
        raise ValueError("expected a decimal within the dashboard's range")
    if len(number.as_tuple().digits) > MAX_WHOLE_DIGITS + MAX_FRACTION_DIGITS:
        raise ValueError("expected a decimal of sensible precision")
    return number


# Up to 20 whole digits and 12 decimals: more is an error in the data, not an amount.
MAX_WHOLE_DIGITS = 20
MAX_FRACTION_DIGITS = 12
MAX_NUMBER_CHARACTERS = 64


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    number = _decimal(value)
    if number is None or number != number.to_integral_value():
        raise ValueError("expected a whole number")
    return int(number)


def _datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # the contract's timestamps are UTC
        parsed = parsed.replace(tzinfo=UTC)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:  # year 9999 + a time zone overflows when shown
        raise ValueError("expected a timestamp within the dashboard's range")
    return parsed


MIN_YEAR, MAX_YEAR = 1800, 2300


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected a YYYY-MM-DD date")
    # Some APIs send a full timestamp for a date ("1990-04-02T00:00:00.000Z").
    parsed = date.fromisoformat(value[:10])
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError("expected a date within the dashboard's range")
    return parsed


def _custom_data(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):  # the create endpoint documents customData as a string
        value = json.loads(value)
    if not isinstance(value, dict):
        value = {"value": value}
    return _plain_numbers(value, MAX_CUSTOM_DATA_DEPTH)


# Free-form metadata nested deeper than this is not for reading; shown, it would exhaust
# the stack of whatever renders it.
MAX_CUSTOM_DATA_DEPTH = 20
SCALARS = (str, int, bool, type(None))


def _plain_numbers(value: Any, levels_left: int) -> Any:
    """customData is free-form metadata, not money: its fractional numbers, which the
    transport reads as Decimal, become plain floats again. One walk also refuses nesting
    past MAX_CUSTOM_DATA_DEPTH; it stops there, so it never recurses deeper."""
    if type(value) is dict:
        if not levels_left:
            raise ValueError("customData is nested too deeply")
        return {
            k: v if type(v) in SCALARS else _plain_numbers(v, levels_left - 1)
            for k, v in value.items()
        }
    if type(value) is list:
        if not levels_left:
            raise ValueError("customData is nested too deeply")
        return [v if type(v) in SCALARS else _plain_numbers(v, levels_left - 1) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "id": _text,
    "client_ref": _text,
    "client_id": _text,
    "reference": _text,
    "first_name": _text,
    "last_name": _text,
    "middle_name": _text,
    "dob": _date,
    "image": _text,
    "address": _text,
    "city": _text,
    "state": _text,
    "country": _text,
    "phone_number": _text,
    "email": _text,
    "custom_data": _custom_data,
    "created_at": _datetime,
    "updated_at": _datetime,
    "amount": _decimal,
    "interest_rate": _decimal,
    "outstanding_balance": _decimal,
    "tenure_months": _integer,
    "currency": _text,
    "status": _text,
    "channel": _text,
    "narration": _text,
    "disbursed_at": _datetime,
    "due_date": _date,
}
PLAIN_TEXT = frozenset(name for name, convert in CONVERTERS.items() if convert is _text)
# A malformed date should not hide a whole page of clients: it shows as blank.
# Anything else malformed (money above all) makes the response unusable.
LENIENT = {"dob", "created_at", "updated_at", "disbursed_at", "due_date", "custom_data"}


def _convert(kind: str, raw: Any, names: Mapping[str, str], required: tuple[str, ...]) -> dict:
    # Exports run this 100,000 times: text fields, nearly all of them, cost one type check.
    if not isinstance(raw, Mapping):
        raise BadResponse(f"a {kind} that is not an object")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        name = names.get(key)
        if name is None:
            extra[key] = value
        elif type(value) is str and name in PLAIN_TEXT:
            values[name] = value or None
        elif value is None:
            values[name] = None
        else:
            values[name] = _converted(kind, key, name, value)
    missing = [name for name in required if not values.get(name)]
    if missing:
        raise BadResponse(f"a {kind} without {', '.join(missing)}")
    values["extra"] = extra
    return values


def _converted(kind: str, key: str, name: str, value: Any) -> Any:
    try:
        return CONVERTERS[name](value)
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        if name not in LENIENT:
            raise BadResponse(f"a {kind} with an unreadable '{key}'") from None
        logger.warning("Ignoring an unreadable %s field %r from the Clients API", kind, key)
        return None if name != "custom_data" else {}


def client_from_api(raw: Any) -> Client:
    values = _convert("client", raw, CLIENT_FIELDS, ("id", "client_ref"))
    values["first_name"] = values.get("first_name") or ""
    values["last_name"] = values.get("last_name") or ""
    values["custom_data"] = values.get("custom_data") or {}
    return Client(**values)


def loan_from_api(raw: Any) -> Loan:
    values = _convert("loan", raw, LOAN_FIELDS, ("id",))
    _fill_common(values)
    return Loan(**values)


def deposit_from_api(raw: Any) -> Deposit:
    values = _convert("deposit", raw, DEPOSIT_FIELDS, ("id",))
    _fill_common(values)
    values["channel"] = values.get("channel") or ""
    return Deposit(**values)


def _fill_common(values: dict[str, Any]) -> None:
    # Loans and deposits: text fields the templates print are never None.
    values["client_id"] = values.get("client_id") or ""
    values["reference"] = values.get("reference") or values["id"]
    values["currency"] = values.get("currency") or ""
    values["status"] = values.get("status") or ""
    values.setdefault("amount", None)


@dataclass(frozen=True, slots=True)
class SearchResult:
    clients: list[Client]
    exact: bool  # the term was exactly one client's reference: `clients` is that client
